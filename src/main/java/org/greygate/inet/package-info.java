/**
 * IP address literals and networks, parsed strictly and without any name resolution.
 *
 * <p>{@link java.net.InetAddress#getByName} is never used on request values: it would send a DNS
 * query for anything that is not a literal.
 */
package org.greygate.inet;
