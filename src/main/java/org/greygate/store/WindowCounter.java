package org.greygate.store;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The sliding-window arithmetic every backend shares, so that a limit means the same on each. A
 * window of W seconds is kept in {@link #SLOTS} slots of {@code ceil(W / SLOTS)} seconds; the sum
 * is every slot that overlaps the last W seconds. An amount therefore stops counting between W and
 * W + ceil(W/SLOTS) seconds after it was added: never early, at most one slot late.
 *
 * <p>A row is {@code [window, slotWidth, start0, count0, start1, count1, ...]}, slots oldest first,
 * only live ones kept. Pure functions; rows are never changed in place.
 */
public final class WindowCounter {
  public static final int SLOTS = 60;

  private WindowCounter() {}

  /** The result of {@link #add}: the row to store (null: unchanged) and what to answer. */
  public record Added(long[] row, WindowCount count) {}

  /**
   * Adds {@code amount} at {@code now} unless the sum would pass {@code limit}. A negative amount
   * takes back what an earlier call added (a rate limit undoing the count of a message another rule
   * refused): it comes off the newest slots first, and the sum never goes below 0.
   *
   * @param row the stored row, or {@code null}
   */
  public static Added add(long[] row, long now, long window, long amount, long limit) {
    if (window < 1) throw new IllegalArgumentException("window must be >= 1 second");
    long width = (window + SLOTS - 1) / SLOTS;
    long slot = now - Math.floorMod(now, width);
    long[] live = prune(row, now, window);
    long sum = 0;
    for (int i = 2; i < live.length; i += 2) sum += live[i + 1];
    if (amount < 0) {
      long[] out = live.clone();
      long left = -amount;
      for (int i = out.length - 2; i >= 2 && left > 0; i -= 2) {
        long take = Math.min(left, out[i + 1]);
        out[i + 1] -= take;
        left -= take;
      }
      return new Added(out, new WindowCount(sum - (-amount - left), true));
    }
    if (amount == 0 || sum + amount > limit) {
      return new Added(null, new WindowCount(sum, false)); // stale slots go at the next add
    }
    long[] out;
    int last = live.length - 2;
    if (last >= 2 && live[last] == slot) {
      out = live.clone();
      out[last + 1] += amount;
    } else {
      out = Arrays.copyOf(live, live.length + 2);
      out[live.length] = slot;
      out[live.length + 1] = amount;
    }
    out[0] = window;
    out[1] = width;
    return new Added(out, new WindowCount(sum + amount, true));
  }

  /** The row's window in seconds, and its sum at {@code now}; null when the bytes are no row. */
  public static long[] windowAndSum(long[] row, long now) {
    if (row == null || row.length < 2 || row[0] < 1) return null;
    return new long[] {row[0], add(row, now, row[0], 0, Long.MAX_VALUE).count().sum()};
  }

  /** Whether nothing in the row counts any more at {@code now}: the sweep may delete it. */
  public static boolean expired(long[] row, long now) {
    if (row.length < 2 || row[0] < 1 || row[1] < 1) return true;
    for (int i = 2; i + 1 < row.length; i += 2) {
      if (row[i] + row[1] > now - row[0]) return false;
    }
    return true;
  }

  private static long[] prune(long[] row, long now, long window) {
    long width = (window + SLOTS - 1) / SLOTS;
    if (row == null || row.length < 2) return new long[] {window, width};
    long[] out = new long[row.length];
    out[0] = window;
    out[1] = width;
    int n = 2;
    for (int i = 2; i + 1 < row.length; i += 2) {
      long start = row[i];
      // a slot of the stored width overlapping (now - window, now]; slots from the future (clock
      // stepped back) are kept, they still happened
      if (start + row[1] > now - window) {
        out[n++] = start;
        out[n++] = row[i + 1];
      }
    }
    return Arrays.copyOf(out, n);
  }

  public static byte[] encode(long[] row) {
    ByteBuffer b = ByteBuffer.allocate(row.length * 8);
    for (long v : row) b.putLong(v);
    return b.array();
  }

  /** The row, or {@code null} when the bytes are not a row. */
  public static long[] decode(byte[] bytes) {
    if (bytes == null || bytes.length < 16 || bytes.length % 16 != 0) return null;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] row = new long[bytes.length / 8];
    for (int i = 0; i < row.length; i++) row[i] = b.getLong();
    return row;
  }
}
