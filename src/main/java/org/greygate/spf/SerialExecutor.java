package org.greygate.spf;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.LoggerFactory;

/**
 * Runs one check's steps one at a time, in the order given, on a shared pool: a check keeps its
 * counters without locks however many of its lookups answer at once, and checks of different
 * requests still run in parallel. Thread-safe.
 */
final class SerialExecutor implements Executor {
  private final Executor pool;
  private final ArrayDeque<Runnable> steps = new ArrayDeque<>(4);
  private boolean running;

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable step) {
    synchronized (this) {
      steps.add(step);
      if (running) return;
      running = true;
    }
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // the pool is shut down (greygate is stopping): the caller's stage fails with this
      synchronized (this) {
        steps.clear();
        running = false;
      }
      throw e;
    }
  }

  private void drain() {
    while (true) {
      Runnable step;
      synchronized (this) {
        step = steps.poll();
        if (step == null) {
          running = false;
          return;
        }
      }
      try {
        step.run();
      } catch (RuntimeException e) {
        // a CompletableFuture's step completes its stage instead of throwing; anything else is a
        // bug, which must not stop the steps queued behind it
        LoggerFactory.getLogger(SerialExecutor.class).error("SPF step failed", e);
      }
    }
  }
}
