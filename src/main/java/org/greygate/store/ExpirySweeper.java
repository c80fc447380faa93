package org.greygate.store;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.greygate.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired rows in the background: one round every {@code interval}, in slices of {@code
 * slice} rows with a short pause between them, so answers never wait behind the clean-up (the
 * opposite of Postgrey's nightly pass that blocks every request). A failing slice is logged with
 * its cause and the round is tried again at the next interval. The expiry is asked for at the start
 * of each round (it may follow reloaded settings) and holds for the whole round.
 */
public final class ExpirySweeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ExpirySweeper.class);

  private final TripletStore store;
  private final Supplier<Expiry> rule;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final int slice;
  private final long pauseMillis;
  private final Metrics metrics;
  private ScheduledFuture<?> task;
  private volatile boolean stopped;
  private volatile long lastDeleted;
  private volatile long rounds;

  public ExpirySweeper(
      TripletStore store,
      Supplier<Expiry> rule,
      Clock clock,
      ScheduledExecutorService scheduler,
      int slice,
      long pauseMillis,
      Metrics metrics) {
    if (slice < 1) throw new IllegalArgumentException("slice must be >= 1");
    this.store = store;
    this.rule = rule;
    this.clock = clock;
    this.scheduler = scheduler;
    this.slice = slice;
    this.pauseMillis = pauseMillis;
    this.metrics = metrics;
  }

  /**
   * Starts a round now and then every {@code intervalSeconds} (a round still running is not
   * doubled).
   */
  public synchronized void start(long intervalSeconds) {
    task =
        scheduler.scheduleWithFixedDelay(this::roundSafely, 0, intervalSeconds, TimeUnit.SECONDS);
  }

  private void roundSafely() {
    try {
      long started = clock.millis();
      SweepProgress p = runRound();
      rounds++;
      lastDeleted = p.deleted();
      long took = clock.millis() - started;
      metrics.sweepRound(p.visited(), p.deleted(), took);
      if (p.deleted() > 0) {
        log.info("expiry sweep: {} of {} rows deleted in {} ms", p.deleted(), p.visited(), took);
      } else {
        log.debug("expiry sweep: {} rows, none expired ({} ms)", p.visited(), took);
      }
    } catch (RuntimeException e) {
      if (stopped) {
        log.debug("expiry sweep stopped by shutdown", e);
      } else {
        log.warn("expiry sweep failed; trying again at the next interval", e);
      }
    }
  }

  /** One whole round, in slices. Runs on the calling thread; pauses between slices. */
  public SweepProgress runRound() {
    long now = clock.millis() / 1000;
    Expiry expiry = rule.get();
    SweepProgress p = SweepProgress.START;
    while (!p.finished() && !stopped) {
      SweepProgress before = p;
      p = store.sweep(expiry, now, p, slice);
      metrics.sweepSlice(p.visited() - before.visited(), p.deleted() - before.deleted());
      if (pauseMillis > 0 && !p.finished()) {
        pause();
      }
    }
    return p;
  }

  private void pause() {
    synchronized (this) {
      try {
        wait(pauseMillis); // woken early by close()
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopped = true;
      }
    }
  }

  public long rounds() {
    return rounds;
  }

  public long lastDeleted() {
    return lastDeleted;
  }

  @Override
  public synchronized void close() {
    stopped = true;
    notifyAll();
    if (task != null) {
      task.cancel(false);
    }
  }
}
