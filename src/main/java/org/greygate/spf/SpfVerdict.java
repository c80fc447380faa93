package org.greygate.spf;

/**
 * What check_host() found.
 *
 * @param result the result
 * @param ttl seconds the result may be reused: the smallest TTL of the answers it was built from
 * @param detail why, for logs: the mechanism that matched or the problem found
 */
public record SpfVerdict(SpfResult result, long ttl, String detail) {}
