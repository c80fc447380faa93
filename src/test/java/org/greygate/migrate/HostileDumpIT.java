package org.greygate.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code db dump} and {@code db load} under attack: a value shaped like dump rows, keys holding any
 * character, a malformed line after a thousand good ones, an endless line, times no store accepts.
 */
class HostileDumpIT {
  @TempDir Path dir;

  static final long T = 1_764_000_000L; // 2025-11-24T16:00:00Z, an hour's start

  /** Every triplet and client row of the database at {@code db}, as text, in key order. */
  static Map<String, String> rows(Path db) {
    Map<String, String> all = new TreeMap<>();
    try (LmdbStore s = LmdbStore.openDryRun(db)) {
      s.forEachTriplet((k, e) -> all.put("triplet " + k, e.toString()));
      s.forEachClient((k, e) -> all.put("client " + k, e.toString()));
      s.forEachDecisionCount(0, Long.MAX_VALUE, c -> all.put("decisions " + c, ""));
    }
    return all;
  }

  static String dump(Path db) {
    Cli cli = new Cli();
    assertEquals(0, cli.run("db", "dump", "--dbdir=" + db), cli.err.toString());
    return cli.out.toString();
  }

  static Cli load(Path db, Path file) {
    Cli cli = new Cli();
    cli.run("db", "load", "--dbdir=" + db, file.toString());
    return cli;
  }

  static Map<String, String> request(String sender, String recipient) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2.9");
    m.put("client_name", "mx.example.org");
    m.put("sender", sender);
    m.put("recipient", recipient);
    m.put("instance", "i-" + sender.length());
    return m;
  }

  @Test
  void aRecipientShapedLikeDumpRowsForgesNoRowThroughDumpAndLoad() throws Exception {
    Path db = dir.resolve("db");
    Path empty = Files.writeString(dir.resolve("empty"), "");
    String now = java.time.Instant.now().minusSeconds(600).toString().toLowerCase();
    // keys are folded to lower case; times in a dump parse in any case
    String forged =
        "b@example.net "
            + now
            + " "
            + now
            + "\rclient 203.0.113 99 "
            + now
            + "\rtriplet 203.0.113/evil@example.org/b@example.net";
    try (Daemon d =
            Daemon.serve(
                "--inet=127.0.0.1:0",
                "--dbdir=" + db,
                "--whitelist-clients=" + empty,
                "--whitelist-recipients=" + empty);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      c.ask(request("a@example.org", forged));
      c.ask(request("a@example.org", "plain@example.net"));
    }
    Map<String, String> before = rows(db);
    assertEquals(
        2, before.keySet().stream().filter(k -> !k.startsWith("decisions")).count(), "" + before);

    Path file = dir.resolve("dump.txt");
    Files.writeString(file, dump(db));
    Path restored = dir.resolve("restored");
    Cli l = load(restored, file);
    assertTrue(l.out.toString().startsWith("loaded 2 triplets, 0 clients"), l.out + "" + l.err);
    assertEquals(before, rows(restored), "exactly the rows the daemon wrote, no forged client");
  }

  /** Keys holding every character from U+0000 to U+00FF, and others a key may hold. */
  static List<String> hostileKeys() {
    List<String> keys = new ArrayList<>();
    StringBuilder all = new StringBuilder();
    for (char c = 0; c <= 0xff; c++) {
      keys.add("k" + c + "x");
      keys.add(c + "");
      all.append(c);
    }
    keys.add(all.toString()); // 384 bytes of UTF-8
    keys.addAll(
        List.of(
            "\\x41",
            "\\\\",
            "\\",
            "a b  c ",
            " leading",
            "trailing\r",
            "line\nfeed",
            "\u2028\u2029\u0085\u202e\ufeff\ufffd",
            "\ud83d\udce8 smile",
            "client 192.0.2 9 2025-11-24T16:00:00Z",
            "# greygate dump 1",
            "x".repeat(511),
            "y".repeat(600))); // longer than LMDB allows: stored as '~' and its hash
    return keys;
  }

  @Test
  void everyCharacterAKeyCanHoldRoundTripsByteForByte() throws Exception {
    Path db = dir.resolve("db");
    try (LmdbStore s = LmdbStore.open(db)) {
      int i = 0;
      for (String k : hostileKeys()) {
        Rows.put(s, k, new TripletEntry(T + i, T + i + 1));
        Rows.put(s, k, new ClientEntry(1 + i, T + i));
        i++;
      }
      s.countDecisions(T, "defer", "new\r\nclient 192.0.2 9 2025-11-24T16:00:00Z", 3);
      s.countDecisions(T, "dunno", "a\\b \u00e9\u0000z", 4);
      s.flush();
    }
    String first = dump(db);
    Path file = dir.resolve("dump.txt");
    Files.write(file, first.getBytes(StandardCharsets.UTF_8));
    Path restored = dir.resolve("restored");
    Cli l = load(restored, file);
    assertTrue(l.err.toString().isEmpty(), l.err.toString());
    assertEquals(rows(db), rows(restored));
    assertEquals(first, dump(restored), "dump, load, dump: the same bytes");
    // one row per line, whatever the keys hold
    assertEquals(1 + rows(db).size(), first.split("\n", -1).length - 1);
    assertFalse(first.contains("\r"), "no carriage return in a dump");
  }

  @Test
  void aMalformedLineAfterAThousandGoodOnesLeavesTheTargetAsItWas() throws Exception {
    StringBuilder text = new StringBuilder("# greygate dump 1\n");
    for (int i = 0; i < 1001; i++) {
      text.append("triplet 192.0.2/a")
          .append(i)
          .append("@example.org/b@example.net 2025-11-24T16:00:00Z 2025-11-24T16:10:00Z\n");
    }
    text.append("client 192.0.2 many 2025-11-24T16:00:00Z\n");
    Path file = Files.writeString(dir.resolve("dump.txt"), text);

    // an existing, empty database (a privacy.key copied there first, say)
    Path target = dir.resolve("target");
    LmdbStore.open(target).close();
    Files.writeString(target.resolve("privacy.key"), "secret\n");
    List<String> files = list(target);
    byte[] data = Files.readAllBytes(target.resolve("data.mdb"));

    Cli l = load(target, file);
    assertTrue(l.err.toString().contains(file + ":1003: count 'many'"), l.err.toString());
    assertEquals(Map.of(), rows(target), "not one row of the thousand is left");
    assertEquals(files, list(target), "no file left behind or taken away");
    assertTrue(
        java.util.Arrays.equals(data, Files.readAllBytes(target.resolve("data.mdb"))),
        "data.mdb untouched");

    // a new directory: nothing is left at all
    Path fresh = dir.resolve("fresh");
    Cli f = load(fresh, file);
    assertTrue(f.err.toString().contains(":1003: "), f.err.toString());
    assertFalse(Files.exists(fresh), "no empty database is left behind");
  }

  static List<String> list(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void anEndlessLineIsRefusedByNumberInBoundedMemory() throws Exception {
    Path file = dir.resolve("endless.txt");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write("# greygate dump 1\ntriplet ".getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = "a".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 800; i++) out.write(chunk); // 50 MB, no line end
    }
    Path target = dir.resolve("target");
    Cli l = load(target, file);
    assertTrue(
        l.err.toString().contains(file + ":2: line longer than 65536 bytes"), l.err.toString());
    assertFalse(Files.exists(target));
  }

  @Test
  void everyFieldIsChecked() throws Exception {
    String now = java.time.Instant.now().toString();
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("triplet k 2025-11-24T16:00:00Z 2099-01-01T00:00:00Z", "out of range");
    bad.put("client k 5 2099-01-01T00:00:00Z", "out of range");
    bad.put("triplet k 1999-12-31T23:00:00Z 2025-11-24T16:00:00Z", "out of range");
    bad.put("client k 0 " + now, "count 0 is not positive");
    bad.put("client k -3 " + now, "count -3 is not positive");
    bad.put("triplet k 2025-11-24T16:10:00Z 2025-11-24T16:00:00Z", "first seen after last seen");
    bad.put("triplet " + "k".repeat(512) + " " + now + " " + now, "longer than 511 bytes");
    bad.put("decisions 2025-11-24T16:30:00Z defer 3 new", "not the start of an hour");
    bad.put("decisions 2099-01-01T00:00:00Z defer 3 new", "out of range");
    bad.put("triplet k\u00ff " + now + " " + now, "not UTF-8");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      Path file = dir.resolve("bad.txt");
      Files.write(
          file, ("# greygate dump 1\n" + e.getKey() + "\n").getBytes(StandardCharsets.ISO_8859_1));
      Cli l = load(dir.resolve("t"), file);
      assertTrue(
          l.err.toString().contains(file + ":2: ") && l.err.toString().contains(e.getValue()),
          e.getKey() + " -> " + l.err);
      assertFalse(Files.exists(dir.resolve("t")), e.getKey());
    }
  }

  @Test
  void aVersionOneDumpStillLoadsWithItsCarriageReturnsInsideTheKey() throws Exception {
    // written by the first dump format: keys raw, so a CR is part of its key, never a line end
    String v1 =
        "# greygate dump 1\n"
            + "triplet 192.0.2/a@example.org/b@example.net 2025-11-24T16:00:00Z"
            + " 2025-11-24T16:00:00Z\rclient 203.0.113 99 2025-11-24T16:00:00Z\rtriplet y/z"
            + " 2025-11-24T16:00:00Z 2025-11-24T16:10:00Z\n"
            + "client 192.0.2 7 2025-11-24T16:00:00Z\n"
            + "decisions 2025-11-24T16:00:00Z defer 40 new\n";
    Path file = Files.writeString(dir.resolve("v1.txt"), v1);
    Path target = dir.resolve("target");
    Cli l = load(target, file);
    assertTrue(l.out.toString().startsWith("loaded 1 triplets, 1 clients and 1"), l.err.toString());
    try (LmdbStore s = LmdbStore.openDryRun(target)) {
      assertEquals(
          new TripletEntry(T, T + 600),
          Rows.triplet(
              s,
              "192.0.2/a@example.org/b@example.net 2025-11-24T16:00:00Z 2025-11-24T16:00:00Z"
                  + "\rclient 203.0.113 99 2025-11-24T16:00:00Z\rtriplet y/z"));
      assertEquals(null, Rows.client(s, "203.0.113"));
    }
    assertTrue(dump(target).startsWith("# greygate dump 2\n"));
  }
}
