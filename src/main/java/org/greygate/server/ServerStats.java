package org.greygate.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * The server's own bookkeeping (what it needs to shut down in order); everything worth graphing
 * goes to {@link org.greygate.metrics.Metrics}. Thread-safe.
 */
public final class ServerStats {
  final LongAdder requests = new LongAdder();
  private int inFlight;

  /** A decision started that did not complete at once. */
  synchronized void started() {
    inFlight++;
  }

  /** That decision was answered (or its connection went away). */
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
}
