package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.greygate.store.TripletEntry;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-commit pacing, on a real database, with the writer's time driven by the test: no
 * sleeps, and an interval of an hour that never really passes.
 */
class LmdbWriterPacingIT {
  @TempDir Path dir;

  /** Time stands still until the test moves it. */
  static final class ManualPacer implements Pacer {
    final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public void park(long deadline) {
      if (deadline - now.get() > 0) {
        LockSupport.parkNanos(1_000_000); // wakes to see the test move time
      }
    }

    void advance(Duration d) {
      now.addAndGet(d.toNanos());
    }
  }

  static void awaitCommits(LmdbStore s, long n) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (s.commits() < n && System.nanoTime() < deadline) Thread.onSpinWait();
    assertEquals(n, s.commits(), "commits");
  }

  @Test
  void aLoneWriteCommitsAtOnceAndLaterOnesWaitForTheIntervalTogether() {
    ManualPacer pacer = new ManualPacer();
    try (LmdbStore s = LmdbStore.open(dir, Duration.ofHours(1), pacer)) {
      Rows.put(s, "alone", new TripletEntry(1, 1));
      awaitCommits(s, 1); // an idle store does not hold a write back
      for (int i = 0; i < 50; i++) Rows.put(s, "k" + i, new TripletEntry(i, i));
      assertEquals(1, s.commits(), "the next commit waits for the interval");
      assertEquals(1, s.tripletCount());
      pacer.advance(Duration.ofMinutes(61));
      awaitCommits(s, 2); // all 50 in one commit
      assertEquals(51, s.tripletCount());
    }
  }

  @Test
  void aFlushDoesNotWaitForTheInterval() {
    ManualPacer pacer = new ManualPacer();
    try (LmdbStore s = LmdbStore.open(dir, Duration.ofHours(1), pacer)) {
      Rows.put(s, "a", new TripletEntry(1, 1));
      awaitCommits(s, 1);
      Rows.put(s, "b", new TripletEntry(2, 2));
      s.flush(); // returns although the pacer's hour never passes
      assertEquals(2, s.tripletCount());
      assertTrue(s.commits() >= 2);
    }
  }

  /**
   * A backlog of a spam wave's writes (scattered keys) is committed in commits of 100,000, not of
   * 10,000 (each such commit rewrote nearly a page per row).
   */
  @Test
  void aBacklogIsCommittedInLargeSortedBatches() {
    ManualPacer pacer = new ManualPacer();
    int n = 150_000;
    try (LmdbStore s = LmdbStore.open(dir, Duration.ofHours(1), pacer)) {
      long t = 1_800_000_000L;
      Rows.put(s, "alone", new TripletEntry(t, t));
      awaitCommits(s, 1);
      java.util.SplittableRandom random = new java.util.SplittableRandom(26);
      for (int i = 0; i < n; i++) {
        Rows.put(s, "wave/" + random.nextLong() + "/" + i, new TripletEntry(t, t + i));
      }
      awaitCommits(s, 2); // a full batch does not wait for the interval: one commit
      assertEquals(100_001, s.tripletCount(), "100,000 in the commit");
      pacer.advance(Duration.ofMinutes(61));
      awaitCommits(s, 3); // the rest together, at the interval
      assertEquals(1 + n, s.tripletCount());
      LmdbStore.Verification v = s.verify(t + n);
      assertTrue(v.clean(), v.problems().subList(0, Math.min(3, v.problems().size())).toString());
    }
  }
}
