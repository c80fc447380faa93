package org.greygate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.greygate.metrics.Metrics;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbStoreIT {
  @TempDir Path dir;

  @Test
  void writesAreVisibleAtOnceAndSurviveReopen() {
    try (LmdbStore s = LmdbStore.open(dir)) {
      Rows.put(s, "k1", new TripletEntry(10, 20));
      assertEquals(new TripletEntry(10, 20), Rows.triplet(s, "k1")); // before commit: overlay
      Rows.put(s, "c1", new ClientEntry(3, 30));
      s.flush();
      assertEquals(new TripletEntry(10, 20), Rows.triplet(s, "k1"));
      assertNull(Rows.triplet(s, "nope"));
    }
    try (LmdbStore s = LmdbStore.open(dir)) {
      assertEquals(new TripletEntry(10, 20), Rows.triplet(s, "k1"));
      assertEquals(new ClientEntry(3, 30), Rows.client(s, "c1"));
      assertEquals(1, s.tripletCount());
      assertEquals(1, s.clientCount());
    }
  }

  @Test
  void closeFlushesPendingWrites() {
    try (LmdbStore s = LmdbStore.open(dir)) {
      for (int i = 0; i < 5000; i++) Rows.put(s, "k" + i, new TripletEntry(i, i));
    }
    try (LmdbStore s = LmdbStore.open(dir)) {
      assertEquals(5000, s.tripletCount());
      assertEquals(new TripletEntry(4999, 4999), Rows.triplet(s, "k4999"));
    }
  }

  /** Puts one triplet a millisecond for {@code millis}; returns how many. */
  static int trickle(LmdbStore s, String prefix, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    int n = 0;
    while (System.nanoTime() < end) {
      Rows.put(s, prefix + n++, new TripletEntry(n, n));
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
    return n;
  }

  @Test
  void withoutAnIntervalEveryIdleWriteCommitsAlone() throws Exception {
    try (LmdbStore s = LmdbStore.open(dir, java.time.Duration.ZERO)) {
      int n = trickle(s, "k", 300);
      s.flush();
      assertTrue(s.commits() > n / 4, n + " writes took only " + s.commits() + " commits");
    }
  }

  @Test
  void theDatabaseIsTheOwnersAloneWhateverTheUmask() throws Exception {
    java.nio.file.Path db = dir.resolve("new");
    try (LmdbStore s = LmdbStore.open(db)) {
      Rows.put(s, "k", new TripletEntry(1, 1));
      s.flush();
    }
    var perms =
        (java.util.function.Function<java.nio.file.Path, String>)
            p -> {
              try {
                return java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(p));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            };
    assertEquals("rwx------", perms.apply(db));
    for (String f : new String[] {"data.mdb", "lock.mdb", "greygate.lock"}) {
      assertEquals("rw-------", perms.apply(db.resolve(f)), f);
    }
    // files an earlier version left readable by all are tightened at the next open
    java.nio.file.Files.setPosixFilePermissions(
        db.resolve("data.mdb"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    LmdbStore.open(db).close();
    assertEquals("rw-------", perms.apply(db.resolve("data.mdb")));
  }

  @Test
  void secondOpenOfTheSameDirectoryIsRefused() {
    try (LmdbStore s = LmdbStore.open(dir)) {
      // typed: a tool hands its work to the daemon on this fault, and on no other
      StoreException e = assertThrows(StoreException.InUse.class, () -> LmdbStore.open(dir));
      assertTrue(e.getMessage().contains("in use by another greygate process"), e.getMessage());
      assertEquals("unavailable", e.kind());
    }
    LmdbStore.open(dir).close(); // lock released on close
  }

  @Test
  void mapGrowsInsteadOfFailing() {
    try (LmdbStore s = LmdbStore.open(dir, 1L << 20, 1_000_000)) {
      long before = s.mapSize();
      String pad = "x".repeat(200);
      for (int i = 0; i < 40_000; i++) Rows.put(s, pad + i, new TripletEntry(i, i));
      s.flush();
      assertTrue(s.mapSize() > before, "map grew from " + before + " to " + s.mapSize());
      assertEquals(40_000, s.tripletCount());
      assertEquals(new TripletEntry(39_999, 39_999), Rows.triplet(s, pad + 39_999));
    }
  }

  @Test
  void longKeysAreHashedTransparently() {
    String longKey = "192.0.2.0/" + "s".repeat(600) + "@example.org/r@example.net";
    try (LmdbStore s = LmdbStore.open(dir)) {
      Rows.put(s, longKey, new TripletEntry(1, 2));
      s.flush();
    }
    try (LmdbStore s = LmdbStore.open(dir)) {
      assertEquals(new TripletEntry(1, 2), Rows.triplet(s, longKey));
      assertNull(Rows.triplet(s, longKey + "x"));
    }
  }

  @Test
  void sweepDeletesExpiredRowsInBoundedSlices() {
    Expiry rule = new Expiry(300, 35 * 86400, 2 * 86400);
    long now = 100 * 86400;
    Map<String, TripletEntry> live = new HashMap<>();
    try (LmdbStore s = LmdbStore.open(dir)) {
      for (int i = 0; i < 2500; i++) {
        TripletEntry e =
            switch (i % 3) {
              case 0 -> new TripletEntry(now - 40 * 86400, now - 36 * 86400); // past max-age
              case 1 ->
                  new TripletEntry(
                      now - 3 * 86400, now - 3 * 86400 + 10); // never passed, window over
              default -> new TripletEntry(now - 10 * 86400, now - 86400); // passed, recent
            };
        Rows.put(s, "t" + i, e);
        if (i % 3 == 2) live.put("t" + i, e);
      }
      Rows.put(s, "old", new ClientEntry(9, now - 40 * 86400));
      Rows.put(s, "new", new ClientEntry(9, now - 86400));
      SweepProgress p = SweepProgress.START;
      int slices = 0;
      while (!p.finished()) {
        p = s.sweep(rule, now, p, 100);
        slices++;
      }
      assertTrue(slices > 25, "bounded slices: " + slices);
      assertEquals(2502, p.visited()); // no windowed or decision counters in this store
      assertEquals(2500 - live.size() + 1, p.deleted());
      assertEquals(live.size(), s.tripletCount());
      assertEquals(1, s.clientCount());
      live.forEach((k, e) -> assertEquals(e, Rows.triplet(s, k)));
    }
  }

  @Test
  void backgroundSweeperDeletesExpiredRowsWhileReadsGoOn() throws Exception {
    Expiry rule = new Expiry(300, 35 * 86400, 2 * 86400);
    long now = 100 * 86400;
    java.time.Clock clock =
        java.time.Clock.fixed(java.time.Instant.ofEpochSecond(now), java.time.ZoneOffset.UTC);
    try (LmdbStore s = LmdbStore.open(dir)) {
      for (int i = 0; i < 5000; i++) {
        Rows.put(s, "old" + i, new TripletEntry(now - 50 * 86400, now - 40 * 86400));
        Rows.put(s, "new" + i, new TripletEntry(now - 86400, now - 3600));
      }
      s.flush();
      var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      try (ExpirySweeper sweeper =
          new ExpirySweeper(s, () -> rule, clock, scheduler, 500, 1, Metrics.NONE)) {
        sweeper.start(3600);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (sweeper.rounds() == 0 && System.nanoTime() < deadline) {
          assertEquals(
              new TripletEntry(now - 86400, now - 3600),
              Rows.triplet(s, "new42")); // reads keep working
        }
        assertEquals(1, sweeper.rounds());
        assertEquals(5000, sweeper.lastDeleted());
      } finally {
        scheduler.shutdownNow();
      }
      assertEquals(5000, s.tripletCount());
      assertNull(Rows.triplet(s, "old1"));
    }
  }

  @Test
  void dryRunSeesTheDatabaseButNeverWritesIt() {
    try (LmdbStore s = LmdbStore.open(dir)) {
      Rows.put(s, "k", new TripletEntry(1, 1));
      s.flush();
      try (LmdbStore ro = LmdbStore.openDryRun(dir)) { // works while the owner runs
        assertEquals(new TripletEntry(1, 1), Rows.triplet(ro, "k"));
        Rows.put(ro, "k", new TripletEntry(5, 5));
        assertEquals(new TripletEntry(5, 5), Rows.triplet(ro, "k"));
      }
      assertEquals(new TripletEntry(1, 1), Rows.triplet(s, "k"));
    }
  }

  @Test
  void rateLimitWindowsReachTheDiskWithinASecondWithoutAClose(@TempDir Path dir) throws Exception {
    try (LmdbStore store = LmdbStore.open(dir)) {
      for (int i = 0; i < 500; i++) {
        store.addToWindow("w:global", 1000, 600, 1, Long.MAX_VALUE).toCompletableFuture().join();
      }
      long deadline = System.nanoTime() + 2_000_000_000L;
      long seen = 0;
      while (System.nanoTime() < deadline && seen != 500) {
        Thread.sleep(50);
        // a second opening reads only what is committed, as `greygate limits show` does
        try (LmdbStore reader = LmdbStore.openDryRun(dir)) {
          long[] sum = {0};
          reader.forEachWindow("w:", 1000, (k, w, s) -> sum[0] += s);
          seen = sum[0];
        }
      }
      assertEquals(500, seen, "the counts are committed behind the requests, not at close");
      long[] inProcess = {0};
      store.forEachWindow("w:", 1000, (k, w, s) -> inProcess[0] += s);
      assertEquals(500, inProcess[0]);
    }
    try (LmdbStore again = LmdbStore.open(dir)) {
      assertEquals(
          501,
          again
              .addToWindow("w:global", 1001, 600, 1, Long.MAX_VALUE)
              .toCompletableFuture()
              .join()
              .sum());
    }
  }
}
