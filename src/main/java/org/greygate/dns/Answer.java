package org.greygate.dns;

import java.util.List;

/**
 * The records of one name and type, and how long they may be kept.
 *
 * @param values the records' data; empty when the name or the type does not exist
 * @param ttl seconds the answer stays valid: the smallest TTL among its records, {@link
 *     #NEGATIVE_TTL} for an empty answer
 */
public record Answer<T>(List<T> values, long ttl) {
  /** How long an empty answer counts, in seconds (the zones' negative TTLs are not carried). */
  public static final long NEGATIVE_TTL = 300;

  public Answer {
    values = List.copyOf(values);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }
}
