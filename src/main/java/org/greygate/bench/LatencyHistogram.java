package org.greygate.bench;

/**
 * Latencies in microseconds: exact counts up to 1 s, then one overflow bucket; the maximum is kept
 * exactly. Not thread-safe: one per load thread, merged at the end.
 */
public final class LatencyHistogram {
  private static final int LIMIT_MICROS = 1_000_000;
  private final int[] counts = new int[LIMIT_MICROS + 1];
  private long total;
  private long maxNanos;

  public void record(long nanos) {
    long micros = nanos / 1000;
    counts[(int) Math.min(micros, LIMIT_MICROS)]++;
    total++;
    if (nanos > maxNanos) {
      maxNanos = nanos;
    }
  }

  public void add(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    maxNanos = Math.max(maxNanos, other.maxNanos);
  }

  public long count() {
    return total;
  }

  /** The latency in microseconds at or below which {@code quantile} of the samples lie. */
  public double percentileMicros(double quantile) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i == LIMIT_MICROS ? maxNanos / 1000.0 : i + 0.5;
      }
    }
    return maxNanos / 1000.0;
  }

  public double maxMicros() {
    return maxNanos / 1000.0;
  }
}
