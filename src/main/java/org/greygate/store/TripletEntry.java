package org.greygate.store;

/** A triplet's history, in epoch seconds. */
public record TripletEntry(long firstSeen, long lastSeen) {}
