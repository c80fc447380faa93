package org.greygate.store;

/**
 * What a sound row holds, as {@code greygate db verify} checks it and as {@code db load} and {@code
 * db import-postgrey} insist before writing: times from 2000 on and at most a day ahead of the
 * clock, keys of at most 511 bytes of UTF-8 (LMDB's limit), counts of at least one.
 */
public final class RowLimits {
  /** 2000-01-01T00:00:00Z: no greylisting row is older. */
  public static final long EARLIEST = 946_684_800L;

  /** How far ahead of the clock a time may be (a host whose clock ran a little fast). */
  public static final long AHEAD = 86_400L;

  /** The longest key LMDB stores as it is (a longer one is stored as its hash). */
  public static final int MAX_KEY_BYTES = 511;

  /** No counter gets near this by counting; a larger one is not a count. */
  public static final long MAX_COUNT = 1_000_000_000_000L;

  private RowLimits() {}

  /** Whether {@code epochSecond} is a time a row may hold when the clock says {@code now}. */
  public static boolean timeOk(long epochSecond, long now) {
    return epochSecond >= EARLIEST && epochSecond <= now + AHEAD;
  }
}
