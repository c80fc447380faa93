package org.greygate.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the listening side. Thread-safe. */
public final class ServerStats {
  final LongAdder requests = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder protocolErrors = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder denied = new LongAdder();
  private int inFlight;
  private final AtomicLong nextTimeoutWarning = new AtomicLong(Long.MIN_VALUE);

  /**
   * Whether a timed-out answer should be logged: the first one, then at most one a minute (a hung
   * store times out every request; the count is in the stats line).
   */
  boolean warnAboutTimeout(long nowNanos) {
    long next = nextTimeoutWarning.get();
    return (next == Long.MIN_VALUE || nowNanos - next >= 0)
        && nextTimeoutWarning.compareAndSet(next, nowNanos + TimeUnit.MINUTES.toNanos(1));
  }

  /** A decision started. */
  synchronized void started() {
    inFlight++;
  }

  /** A decision answered (or its connection went away). */
  synchronized void finished() {
    if (--inFlight == 0) {
      notifyAll();
    }
  }

  /** Waits until no decision is in flight, at most {@code millis}; returns whether none is. */
  synchronized boolean awaitIdle(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (inFlight > 0) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      wait(left);
    }
    return true;
  }

  /** Decisions under way now. */
  public synchronized int inFlight() {
    return inFlight;
  }

  /** Requests decoded. */
  public long requests() {
    return requests.sum();
  }

  /** Answers replaced by the timeout action (deadline passed, or no decision thread free). */
  public long timeouts() {
    return timeouts.sum();
  }

  /** Connections closed for breaking the protocol or a limit. */
  public long protocolErrors() {
    return protocolErrors.sum();
  }

  /** Connections closed because the connection cap was reached. */
  public long refused() {
    return refused.sum();
  }

  /** Connections closed because the peer is outside --allow-from. */
  public long denied() {
    return denied.sum();
  }
}
