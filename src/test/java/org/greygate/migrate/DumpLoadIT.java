package org.greygate.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup and restore through the command line: db dump, db load, db dump again, same text. */
class DumpLoadIT {
  @TempDir Path dir;

  static final long T = 1_764_000_000L; // 2025-11-24T16:00:00Z, an hour's start

  Path filled() {
    Path db = dir.resolve("original");
    try (LmdbStore s = LmdbStore.open(db)) {
      Rows.put(s, "192.0.2/a@example.org/b@example.net", new TripletEntry(T, T + 400));
      // Postfix may send a quoted local part with a space: the key is read from the right
      Rows.put(s, "198.51.100/\"x y\"@example.org/c@example.net", new TripletEntry(T, T));
      Rows.put(s, "192.0.2", new ClientEntry(7, T + 400));
      s.countDecisions(T, "defer", "new", 40);
      s.countDecisions(T + 3600, "prepend", "triplet found", 12);
      s.countDecision(T + 3600, "dunno", "client AWL");
      s.flush();
    }
    return db;
  }

  String dump(Path db) {
    Cli cli = new Cli();
    assertEquals(0, cli.run("db", "dump", "--dbdir=" + db), cli.err.toString());
    return cli.out.toString();
  }

  @Test
  void aDumpLoadsBackToTheSameDatabase() throws Exception {
    String text = dump(filled());
    assertTrue(text.startsWith("# greygate dump 2\n"), text);
    assertTrue(text.contains("triplet 198.51.100/\"x\\x20y\"@example.org/c@example.net "), text);
    assertTrue(text.contains("decisions 2025-11-24T17:00:00Z prepend 12 triplet found\n"), text);
    Path file = dir.resolve("backup.txt");
    Files.writeString(file, text);

    Path restored = dir.resolve("restored");
    Cli load = new Cli();
    assertEquals(
        0, load.run("db", "load", "--dbdir=" + restored, file.toString()), load.err.toString());
    assertTrue(
        load.out.toString().contains("loaded 2 triplets, 1 clients and 3 decision counters"),
        load.out.toString());
    assertEquals(text, dump(restored));
    try (LmdbStore s = LmdbStore.openDryRun(restored)) {
      assertEquals(
          new TripletEntry(T, T), Rows.triplet(s, "198.51.100/\"x y\"@example.org/c@example.net"));
      assertEquals(new ClientEntry(7, T + 400), Rows.client(s, "192.0.2"));
    }

    // loading twice would double the counters: a database with rows is refused
    Cli again = new Cli();
    assertEquals(2, again.run("db", "load", "--dbdir=" + restored, file.toString()));
    assertTrue(again.err.toString().contains("already holds 2 triplets"), again.err.toString());
  }

  @Test
  void aMalformedLineIsNamedAndNothingIsLoaded() throws Exception {
    String text = dump(filled());
    Path file = dir.resolve("broken.txt");
    Files.writeString(file, text + "client 203.0.113 many 2025-11-24T16:00:00Z\n");
    int line = (int) text.lines().count() + 1;
    Path target = dir.resolve("target");
    Cli load = new Cli();
    assertEquals(2, load.run("db", "load", "--dbdir=" + target, file.toString()));
    assertTrue(
        load.err.toString().contains(file + ":" + line + ": count 'many' is not a number"),
        load.err.toString());
    assertFalse(Files.exists(target.resolve("data.mdb")), "nothing half-loaded is left");

    Files.writeString(file, "triplet k 2025-11-24T16:00:00Z yesterday\n");
    Cli bad = new Cli();
    assertEquals(2, bad.run("db", "load", "--dbdir=" + target, file.toString()));
    assertTrue(bad.err.toString().contains(file + ":1: "), bad.err.toString());

    Cli missing = new Cli();
    assertEquals(2, missing.run("db", "load", "--dbdir=" + target, dir.resolve("nope").toString()));
    assertTrue(missing.err.toString().contains("no such file"), missing.err.toString());
  }

  /**
   * A triplet's attempts are an optional last column: written when known, loaded back; a line
   * without it (a dump from before the count, or a row whose count is not known) loads as 0; a
   * column that is not a count from 1 is refused with the line named.
   */
  @Test
  void attemptsAreAnOptionalColumnAndOldDumpsLoad() throws Exception {
    Path db = dir.resolve("counted");
    try (LmdbStore s = LmdbStore.open(db)) {
      Rows.put(s, "192.0.2/a@example.org/b@example.net", new TripletEntry(T, T + 400, 3));
      Rows.put(s, "192.0.2/old@example.org/b@example.net", new TripletEntry(T, T + 60));
      s.flush();
    }
    String text = dump(db);
    assertTrue(
        text.contains(
            "triplet 192.0.2/a@example.org/b@example.net 2025-11-24T16:00:00Z"
                + " 2025-11-24T16:06:40Z 3\n"),
        text);
    assertTrue(
        text.contains(
            "triplet 192.0.2/old@example.org/b@example.net 2025-11-24T16:00:00Z"
                + " 2025-11-24T16:01:00Z\n"),
        text);
    Path file = dir.resolve("counted.txt");
    Files.writeString(file, text);
    Path restored = dir.resolve("counted-restored");
    Cli load = new Cli();
    assertEquals(
        0, load.run("db", "load", "--dbdir=" + restored, file.toString()), load.err.toString());
    assertEquals(text, dump(restored));
    try (LmdbStore s = LmdbStore.openDryRun(restored)) {
      assertEquals(
          new TripletEntry(T, T + 400, 3), Rows.triplet(s, "192.0.2/a@example.org/b@example.net"));
      assertEquals(
          new TripletEntry(T, T + 60, 0), Rows.triplet(s, "192.0.2/old@example.org/b@example.net"));
    }

    // a dump written before the count was kept
    Path old = dir.resolve("old.txt");
    Files.writeString(
        old,
        "# greygate dump 2\n"
            + "triplet 192.0.2/a@example.org/b@example.net 2025-11-24T16:00:00Z"
            + " 2025-11-24T16:06:40Z\n");
    Path fromOld = dir.resolve("from-old");
    Cli loadOld = new Cli();
    assertEquals(
        0, loadOld.run("db", "load", "--dbdir=" + fromOld, old.toString()), loadOld.err.toString());
    try (LmdbStore s = LmdbStore.openDryRun(fromOld)) {
      assertEquals(
          new TripletEntry(T, T + 400, 0), Rows.triplet(s, "192.0.2/a@example.org/b@example.net"));
    }

    for (String bad : new String[] {"0", "-1", "03", "x", "3 4", "2147483648"}) {
      Files.writeString(
          file,
          "# greygate dump 2\ntriplet k 2025-11-24T16:00:00Z 2025-11-24T16:06:40Z " + bad + "\n");
      Path target = dir.resolve("bad");
      Cli refused = new Cli();
      assertEquals(
          2, refused.run("db", "load", "--dbdir=" + target, file.toString()), "attempts " + bad);
      assertTrue(refused.err.toString().contains(file + ":2: "), refused.err.toString());
      assertFalse(Files.exists(target.resolve("data.mdb")), "nothing half-loaded is left");
    }
  }
}
