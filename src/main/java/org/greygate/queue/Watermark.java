package org.greygate.queue;

import java.util.Locale;

/**
 * An alert threshold on one queue: {@code deferred:1000} alerts when 1000 or more messages are
 * deferred.
 */
public record Watermark(String queue, long threshold) {
  public Watermark {
    if (!QueueCounts.QUEUES.contains(queue)) {
      throw new IllegalArgumentException(
          "unknown queue '" + queue + "' (one of " + String.join(", ", QueueCounts.QUEUES) + ")");
    }
    if (threshold < 1) {
      throw new IllegalArgumentException(
          "threshold for " + queue + " must be 1 or more, got " + threshold);
    }
  }

  /** {@code QUEUE:COUNT} (or {@code QUEUE=COUNT}), e.g. {@code hold:1}, {@code deferred:1000}. */
  public static Watermark parse(String s) {
    String t = s.strip();
    int sep = t.indexOf(':');
    if (sep < 0) sep = t.indexOf('=');
    if (sep <= 0 || sep == t.length() - 1) {
      throw new IllegalArgumentException(
          "'" + s + "' is not QUEUE:COUNT (e.g. deferred:1000, hold:1)");
    }
    String queue = t.substring(0, sep).strip().toLowerCase(Locale.ROOT);
    String count = t.substring(sep + 1).strip();
    long n;
    try {
      n = Long.parseLong(count);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + count + "' in '" + s + "' is not a whole number");
    }
    return new Watermark(queue, n);
  }

  @Override
  public String toString() {
    return queue + ":" + threshold;
  }
}
