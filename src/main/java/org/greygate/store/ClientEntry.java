package org.greygate.store;

/**
 * A client's auto-whitelist row: passes counted (at most one an hour) and when it was last seen.
 */
public record ClientEntry(long count, long lastSeen) {}
