package org.greygate.queue;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Messages and bytes in each of Postfix's queues at one reading. Every queue Postfix has is present
 * (zero when empty), in the order mail moves through them.
 *
 * @param queues by queue name
 * @param unreadable lines of the listing that could not be read (counted, not fatal)
 */
public record QueueCounts(Map<String, Totals> queues, long unreadable) {
  /** Postfix's queues, in the order mail moves through them. */
  public static final List<String> QUEUES =
      List.of("maildrop", "incoming", "active", "deferred", "hold");

  /** One queue's content. */
  public record Totals(long messages, long bytes) {}

  public QueueCounts {
    queues = Collections.unmodifiableMap(new LinkedHashMap<>(queues));
  }

  /** The queue's totals; zero for a queue nothing was found in. */
  public Totals get(String queue) {
    return queues.getOrDefault(queue, new Totals(0, 0));
  }

  /** Adds messages one at a time. Not thread-safe. */
  static final class Builder {
    private final Map<String, long[]> sums = new LinkedHashMap<>();
    private long unreadable;

    Builder() {
      for (String q : QUEUES) sums.put(q, new long[2]);
    }

    void add(String queue, long bytes) {
      long[] s = sums.computeIfAbsent(queue, q -> new long[2]);
      s[0]++;
      s[1] += Math.max(0, bytes);
    }

    void unreadable() {
      unreadable++;
    }

    QueueCounts build() {
      Map<String, Totals> out = new LinkedHashMap<>();
      sums.forEach((q, s) -> out.put(q, new Totals(s[0], s[1])));
      return new QueueCounts(out, unreadable);
    }
  }
}
