package org.greygate.store;

/**
 * A triplet's history: first and last seen in epoch seconds, and how many attempts (sightings) it
 * made since it was first seen: one per second in which it was seen (a repeat within the second its
 * row was last written counts once, as it writes nothing). 0 means not known: a row written before
 * the count was kept (an older version, an older dump), or one set by hand.
 */
public record TripletEntry(long firstSeen, long lastSeen, long attempts) {
  /** The count saturates here (a value every backend, Redis's Lua included, holds exactly). */
  public static final long MAX_ATTEMPTS = Integer.MAX_VALUE;

  /** A row whose attempts are not known. */
  public TripletEntry(long firstSeen, long lastSeen) {
    this(firstSeen, lastSeen, 0);
  }

  /** The count after one more attempt: saturating, and unknown (0) stays unknown. */
  public static long plusOne(long attempts) {
    return attempts <= 0 ? 0 : Math.min(attempts + 1, MAX_ATTEMPTS);
  }
}
