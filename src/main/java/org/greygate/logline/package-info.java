/**
 * The shape of greygate's log lines, shared by decisions and alerts: Postgrey's {@code action=...,
 * name=value} text or one JSON object a line, values made safe for one line. Knows nothing of what
 * is logged.
 */
package org.greygate.logline;
