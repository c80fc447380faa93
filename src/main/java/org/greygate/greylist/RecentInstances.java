package org.greygate.greylist;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the Postfix message instances that already got the X-Greylist header, so a message with
 * many recipients gets it once. Bounded: the oldest instance is forgotten first.
 *
 * <p>Postgrey keeps the last 10 instances; with many SMTP sessions at once that forgets a message
 * before its next recipient arrives and prepends the header again, so the default here is larger.
 * Thread-safe.
 */
public final class RecentInstances {
  private final Map<String, Boolean> seen;

  public RecentInstances(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1");
    }
    this.seen =
        new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** True the first time an instance is offered; {@code null} (no instance sent) is always new. */
  public boolean firstTime(String instance) {
    if (instance == null) {
      return true;
    }
    synchronized (seen) {
      return seen.put(instance, Boolean.TRUE) == null;
    }
  }
}
