/**
 * The shape of log lines, written and read. Written: greygate's decisions and alerts as Postgrey's
 * {@code action=..., name=value} text or one JSON object a line, values made safe for one line.
 * Read: a line split into time, host, syslog tag and message ({@code SyslogLine}), lines of a
 * bounded length ({@code BoundedLines}), and any text shown safely on a terminal ({@code
 * TerminalText}). Knows nothing of what is logged.
 */
package org.greygate.logline;
