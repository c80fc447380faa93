package org.greygate.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces the reply deadline: one thread looks at every connection's decision under way a few
 * times per deadline and answers those that are late with the timeout action. Costs nothing per
 * request (no timer to arm and cancel); a late answer goes out at most one tick after its deadline.
 */
final class ReplyDeadlines implements AutoCloseable {
  private final Set<PolicyChannelHandler> connections = ConcurrentHashMap.newKeySet();
  private final long tickNanos;
  private final Thread thread;
  private volatile boolean closed;

  ReplyDeadlines(Duration timeout) {
    // a quarter of the deadline, between 1 ms and 50 ms
    this.tickNanos = Math.max(1_000_000L, Math.min(50_000_000L, timeout.toNanos() / 4));
    this.thread = new Thread(this::run, "reply-deadlines");
    thread.setDaemon(true);
    thread.start();
  }

  void add(PolicyChannelHandler connection) {
    connections.add(connection);
  }

  void remove(PolicyChannelHandler connection) {
    connections.remove(connection);
  }

  private void run() {
    while (!closed) {
      LockSupport.parkNanos(tickNanos);
      long now = System.nanoTime();
      for (PolicyChannelHandler c : connections) {
        c.answerIfLate(now);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
  }
}
