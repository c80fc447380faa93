package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.TripletRule.Kind;
import org.greygate.testing.Cli;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first-pass journal on a real database: a triplet seen once lives in the journal, found
 * through the in-memory index, and moves into the triplet table when it passes; answers are those
 * of the Java rules, across restarts, expiry, a full index and hash collisions.
 */
class FirstPassJournalIT {
  @TempDir Path dir;

  static final long T0 = 1_800_000_000L;
  static final TripletRule RULE = new TripletRule(300, 35 * 86400, 2 * 86400, 0);

  static TripletRule.Result ask(LmdbStore s, String key, long now) {
    return Rows.join(s.greylist(key, null, RULE, now));
  }

  private LmdbStore open() {
    return LmdbStore.open(dir.resolve("db"));
  }

  @Test
  void aTripletFirstSeenThenRetriedAfterTheDelayPassesAsBefore() {
    try (LmdbStore s = open()) {
      assertEquals(Kind.NEW, ask(s, "t1", T0).kind());
      s.flush();
      assertEquals(1, s.journalRows(), "the first sighting is a journal row");
      assertEquals(1, s.tripletCount());
      assertEquals(Kind.EARLY_RETRY, ask(s, "t1", T0 + 100).kind());
      s.flush();
      assertEquals(1, s.journalRows(), "an early retry stays in the journal, one row");
      TripletRule.Result pass = ask(s, "t1", T0 + 301);
      assertEquals(Kind.PASS, pass.kind());
      assertTrue(pass.firstPass());
      assertEquals(T0, pass.first());
      s.flush();
      assertEquals(0, s.journalRows(), "a passed triplet leaves the journal");
      assertEquals(1, s.tripletCount(), "and is in the triplet table");
      assertEquals(new TripletEntry(T0, T0 + 301, 3), Rows.triplet(s, "t1"));
      TripletRule.Result again = ask(s, "t1", T0 + 400);
      assertEquals(Kind.PASS, again.kind());
      assertTrue(!again.firstPass());
    }
  }

  /**
   * A store written before attempts were counted (16-byte triplet rows, journal rows without the
   * count): its rows read with attempts 0 (not known) and decide as before, {@code db verify}
   * accepts them, and a triplet first seen now counts from 1 beside them.
   */
  @Test
  void rowsFromBeforeTheCountReadAsNotKnownAndDecideAsBefore() {
    try (LmdbEnvironment env = LmdbEnvironment.openWritable(dir.resolve("db"), 1 << 20)) {
      env.write(
          txn -> {
            LmdbEnvironment.put(
                txn,
                env.dbi(Table.TRIPLETS),
                LmdbCodec.key("passed"),
                LmdbCodec.pair(T0 - 1000, T0 - 500));
            LmdbEnvironment.put(
                txn,
                env.dbi(Table.JOURNAL),
                LmdbCodec.seqKey(0),
                LmdbCodecTest.oldJournalRow(LmdbCodec.key("waiting"), T0, T0 + 10));
          });
    }
    try (LmdbStore s = open()) {
      assertEquals(java.util.List.of(), s.verify(T0 + 20).problems());
      assertEquals(new TripletEntry(T0 - 1000, T0 - 500, 0), Rows.triplet(s, "passed"));
      assertEquals(new TripletEntry(T0, T0 + 10, 0), Rows.triplet(s, "waiting"));
      assertEquals(Kind.EARLY_RETRY, ask(s, "waiting", T0 + 100).kind());
      assertEquals(Kind.PASS, ask(s, "waiting", T0 + 301).kind());
      assertEquals(Kind.PASS, ask(s, "passed", T0 + 302).kind());
      assertEquals(Kind.NEW, ask(s, "fresh", T0 + 303).kind());
      s.flush();
      assertEquals(new TripletEntry(T0, T0 + 301, 0), Rows.triplet(s, "waiting"));
      assertEquals(new TripletEntry(T0 - 1000, T0 + 302, 0), Rows.triplet(s, "passed"));
      assertEquals(new TripletEntry(T0 + 303, T0 + 303, 1), Rows.triplet(s, "fresh"));
      assertEquals(java.util.List.of(), s.verify(T0 + 400).problems());
    }
  }

  /**
   * Seeded random requests over a small key pool, with restarts and sweeps between them: every
   * answer is the one the Java rules give on a map.
   */
  @Test
  void answersAreTheJavaRulesAcrossRestartsAndSweeps() {
    Random r = new Random(26_8);
    Map<String, TripletEntry> model = new HashMap<>();
    long now = T0;
    LmdbStore s = open();
    try {
      for (int i = 0; i < 20_000; i++) {
        now += r.nextInt(r.nextInt(10) == 0 ? 3 * 86400 : 120);
        String k = "k" + r.nextInt(500);
        TripletRule.Result got = ask(s, k, now);
        var want = RULE.apply(model.get(k), null, now);
        if (want.triplet() != null) model.put(k, want.triplet());
        assertEquals(want.result(), got, "request " + i + " on " + k + " at " + now);
        int event = r.nextInt(500);
        if (event == 0) {
          s.close();
          s = open();
        } else if (event == 1) {
          sweepAll(s, now);
        }
      }
    } finally {
      s.close();
    }
  }

  static void sweepAll(LmdbStore s, long now) {
    SweepProgress p = SweepProgress.START;
    while (!p.finished()) p = s.sweep(RULE.expiry(), now, p, 1000);
  }

  @Test
  void journalRowsAreFoundAgainAfterARestart() {
    try (LmdbStore s = open()) {
      for (int i = 0; i < 2000; i++) assertEquals(Kind.NEW, ask(s, "r" + i, T0).kind());
    }
    try (LmdbStore s = open()) {
      assertEquals(2000, s.journalRows());
      for (int i = 0; i < 2000; i++) {
        TripletRule.Result res = ask(s, "r" + i, T0 + 600);
        assertEquals(Kind.PASS, res.kind(), "r" + i + " was seen before the restart");
        assertEquals(T0, res.first());
      }
      s.flush();
      assertEquals(0, s.journalRows());
      assertEquals(2000, s.tripletCount());
    }
  }

  @Test
  void theJournalsHeadExpiresAfterTheRetryWindow() {
    try (LmdbStore s = open()) {
      for (int i = 0; i < 5; i++) ask(s, "old" + i, T0);
      ask(s, "young", T0 + 1000);
      s.flush();
      assertEquals(6, s.journalRows());
      long later = T0 + RULE.expiry().ttl(false) + 10;
      sweepAll(s, later);
      assertEquals(1, s.journalRows(), "the five dead rows are gone from the head");
      assertEquals(Kind.NEW, ask(s, "old0", later).kind(), "an expired first pass starts over");
      assertEquals(Kind.PASS, ask(s, "young", later).kind(), "the live row is still found");
    }
  }

  @Test
  void aFullIndexSendsFirstPassesToTheTripletTableAsBefore() {
    try (LmdbStore s =
        LmdbStore.open(dir.resolve("db"), 3, key -> key.length * 0x9E3779B97F4A7C15L)) {
      for (int i = 0; i < 5; i++) assertEquals(Kind.NEW, ask(s, "f" + i, T0).kind());
      s.flush();
      assertEquals(3, s.journalRows());
      assertEquals(2, s.journalFull());
      assertEquals(5, s.tripletCount());
      for (int i = 0; i < 5; i++) {
        TripletRule.Result res = ask(s, "f" + i, T0 + 300);
        assertEquals(Kind.PASS, res.kind(), "f" + i);
        assertTrue(res.firstPass());
      }
      s.flush();
      assertEquals(0, s.journalRows());
      assertEquals(5, s.tripletCount());
    }
  }

  /** Every key has the same hash: the index only ever gives candidates, checked against the key. */
  @Test
  void aHashCollisionNeverPassesATriplet() {
    JournalIndex.Hash same = key -> 42L << 40;
    try (LmdbStore s = LmdbStore.open(dir.resolve("db"), 1000, same)) {
      assertEquals(Kind.NEW, ask(s, "seen", T0).kind());
      s.flush();
      // another triplet, past the delay of the first: it must not borrow its first-seen time
      assertEquals(Kind.NEW, ask(s, "never-seen", T0 + 400).kind());
      assertEquals(Kind.NEW, ask(s, "other", T0 + 401).kind());
      assertEquals(Kind.PASS, ask(s, "seen", T0 + 402).kind());
      assertEquals(Kind.EARLY_RETRY, ask(s, "never-seen", T0 + 500).kind());
    }
    try (LmdbStore s = LmdbStore.open(dir.resolve("db"), 1000, same)) {
      assertEquals(Kind.NEW, ask(s, "third", T0 + 800).kind(), "after a restart too");
      assertEquals(Kind.PASS, ask(s, "never-seen", T0 + 800).kind());
      assertEquals(Kind.PASS, ask(s, "other", T0 + 801).kind());
    }
  }

  @Test
  void everyReaderSeesJournalRows() {
    try (LmdbStore s = open()) {
      ask(s, "in-journal", T0);
      ask(s, "passed", T0);
      ask(s, "passed", T0 + 300);
      s.flush();
      assertEquals(1, s.journalRows());
      Map<String, TripletEntry> all = new TreeMap<>();
      s.forEachTriplet(all::put);
      assertEquals(
          Map.of(
              "in-journal", new TripletEntry(T0, T0, 1),
              "passed", new TripletEntry(T0, T0 + 300, 2)),
          all);
      LmdbStore.Verification v = s.verify(T0 + 300);
      assertTrue(v.clean(), v.problems().toString());
      assertEquals(2, v.triplets());
    }
    try (LmdbStore s = LmdbStore.openDryRun(dir.resolve("db"))) {
      assertEquals(2, s.tripletCount());
      assertEquals(Kind.PASS, ask(s, "in-journal", T0 + 300).kind(), "a dry run finds it too");
    }
  }

  /** What a postmaster runs: db stats, db dump and db verify show the journal's triplets. */
  @Test
  void theDbToolsShowJournalRows() {
    long now = java.time.Instant.now().getEpochSecond();
    try (LmdbStore s = open()) {
      ask(s, "192.0.2/a@example.org/b@example.net", now - 10);
      ask(s, "198.51.100/c@example.org/d@example.net", now - 400);
      ask(s, "198.51.100/c@example.org/d@example.net", now - 5);
      s.flush();
      assertEquals(1, s.journalRows());
    }
    String db = "--dbdir=" + dir.resolve("db");
    Cli stats = new Cli();
    assertEquals(0, stats.run("db", "stats", db), stats.err.toString());
    assertTrue(stats.out.toString().contains("triplets: 2\n"), stats.out.toString());
    Cli dump = new Cli();
    assertEquals(0, dump.run("db", "dump", db), dump.err.toString());
    assertTrue(
        dump.out.toString().contains("triplet 192.0.2/a@example.org/b@example.net "),
        dump.out.toString());
    assertTrue(
        dump.out.toString().contains("triplet 198.51.100/c@example.org/d@example.net "),
        dump.out.toString());
    Cli verify = new Cli();
    assertEquals(0, verify.run("db", "verify", db), verify.out + " " + verify.err);
  }

  /**
   * Rows a local user wrote into the journal: one too short, one whose key sorts after every
   * sequence (an append after it would fail the commit).
   */
  @Test
  void aMalformedJournalRowIsNamedAndSweptNeverPassed() {
    try (LmdbEnvironment env = LmdbEnvironment.openWritable(dir.resolve("db"), 1 << 20)) {
      env.write(
          txn -> {
            LmdbEnvironment.put(
                txn, env.dbi(Table.JOURNAL), LmdbCodec.seqKey(0), new byte[] {1, 2, 3});
            LmdbEnvironment.put(
                txn,
                env.dbi(Table.JOURNAL),
                new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 0},
                LmdbCodec.journal(
                    "x".getBytes(java.nio.charset.StandardCharsets.UTF_8), T0, T0, 1));
          });
    }
    try (LmdbStore s = open()) {
      LmdbStore.Verification v = s.verify(T0);
      assertEquals(1, v.problems().size(), v.problems().toString());
      // the second row's key sorts after every sequence: a plain put, not an append, and no fault
      assertEquals(Kind.NEW, ask(s, "x", T0 + 400).kind());
      assertEquals(Kind.EARLY_RETRY, ask(s, "x", T0 + 401).kind());
      s.flush();
      assertEquals(null, s.problem());
      sweepAll(s, T0 + 400);
      s.flush();
      assertEquals(1, s.journalRows(), "both malformed rows swept; x's own first pass kept");
      assertTrue(s.verify(T0 + 400).clean());
    }
  }
}
