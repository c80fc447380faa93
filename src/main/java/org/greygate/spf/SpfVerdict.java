package org.greygate.spf;

/**
 * What check_host() found.
 *
 * @param result the result
 * @param ttl seconds the result may be reused: the smallest TTL of the answers it was built from
 * @param detail why, for logs: the mechanism that matched or the problem found
 * @param broad the mechanism that decided matches (nearly) any address: {@code all}, or a network
 *     shorter than /8 (IPv4) or /16 (IPv6); such a pass says nothing about a sender's pool
 */
public record SpfVerdict(SpfResult result, long ttl, String detail, boolean broad) {}
