package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.greygate.greylist.GreylistConfig;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** greygate report over a real database written by the daemon's chain, and over a .gz log. */
class ReportIT {
  @TempDir Path dir;
  final Cli cli = new Cli();
  final StringWriter out = cli.out;
  final StringWriter err = cli.err;

  int run(String... args) {
    return cli.run(args);
  }

  @Test
  void fromTheDatabaseWhileItIsOpen() throws Exception {
    long now = Instant.now().getEpochSecond();
    long t0 = now - 7200 - Math.floorMod(now, 3600); // two hours ago, at the top of the hour
    Path db = dir.resolve("db");
    try (LmdbStore store = LmdbStore.open(db)) {
      PolicyChain chain = TestPolicy.chain(store, GreylistConfig.defaults(), true);
      for (int i = 0; i < 3; i++) {
        decide(chain, "r" + i + "@example.net", t0); // 3 new
      }
      decide(chain, "r0@example.net", t0 + 100); // early retry
      decide(chain, "r0@example.net", t0 + 400); // passes after the delay
      decide(chain, "r0@example.net", t0 + 3700); // known, next hour
      store.flush();
      // the daemon still has the database open: report reads beside it
      assertEquals(0, run("report", "--dbdir=" + db, "--format=csv", "--hourly"));
    }
    String hour0 =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH")
            .format(Instant.ofEpochSecond(t0).atZone(ZoneId.systemDefault()));
    String csv = out.toString();
    assertTrue(
        csv.startsWith(
            "hour,greylisted,passed_late,passed_known,whitelisted,auto_whitelisted,"
                + "rate_limited,fail_open,other,total\n"),
        csv);
    // 3 new and an early retry greylisted, one pass after the delay
    assertTrue(csv.contains("\n" + hour0 + ",4,1,0,0,0,0,0,0,5\n"), csv);
    assertEquals(
        2, csv.lines().skip(1).filter(l -> !l.endsWith(",0")).count(), "the next hour's pass");
    assertTrue(csv.lines().count() >= 7 * 24, "every hour of the week has its row: " + csv);
    out.getBuffer().setLength(0);
    assertEquals(0, run("report", "--dbdir=" + db));
    assertTrue(out.toString().contains("greylisted"), out.toString());
    assertTrue(out.toString().matches("(?s).*all +4 +1 +1 .*"), out.toString());
    // a page into a directory that is not there: the page named, in words, one line
    Path page = dir.resolve("no-such-dir").resolve("report.html");
    err.getBuffer().setLength(0);
    assertEquals(1, run("report", "--dbdir=" + db, "--html=" + page));
    assertEquals("greygate: --html " + page + ": no such file or directory\n", err.toString());
  }

  static void decide(PolicyChain chain, String rcpt, long time) {
    Map<String, String> m = TestPolicy.rcpt(rcpt);
    m.put("policy_test_time", Long.toString(time));
    chain.decide(PolicyRequest.of(m)).toCompletableFuture().join();
  }

  @Test
  void fromARotatedGzippedMailLog() throws Exception {
    Path log = dir.resolve("mail.log.2.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(log))) {
      o.write(
          String.join(
                  "\n",
                  "Nov 30 10:00:00 mx postgrey[812]: action=greylist, reason=new, client_name=a,"
                      + " client_address=192.0.2.1, sender=x@one.example, recipient=r@example.net",
                  "Nov 30 10:05:10 mx postgrey[812]: action=pass, reason=triplet found, delay=310,"
                      + " client_name=a, client_address=192.0.2.1, sender=x@one.example,"
                      + " recipient=r@example.net",
                  "Nov 30 11:00:00 mx postgrey[812]: action=greylist, reason=new, client_name=b,"
                      + " client_address=198.51.100.7, sender=spam@two.example,"
                      + " recipient=r@example.net",
                  "Dec  3 11:00:00 mx postfix/smtpd[9]: disconnect from b",
                  "")
              .getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(0, run("report", "--log=" + log, "--format=json"));
    String json = out.toString();
    assertTrue(json.contains("\"effectiveness\":{\"greylisted\":2,\"never_came_back\":1"), json);
    assertTrue(json.contains("\"median_seconds\":310"), json);
    assertTrue(json.contains("\"unparsed_lines\":1"), json);
    assertEquals(2, run("report", "--log=" + log, "--format=xml"));
    assertEquals(1, run("report", "--log=" + dir.resolve("missing.log")));
    assertTrue(
        err.toString()
            .contains(
                "greygate: --log " + dir.resolve("missing.log") + ": no such file or directory"),
        err.toString());
    assertEquals(2, run("report", "--dbdir=" + dir.resolve("none")));
    assertEquals(2, run("report", "--dbdir=" + dir, "--since=yesterday"));
  }

  /** Lines of greygate with a domain policy, and of Postgrey after a migration. */
  static final java.util.List<String> MIGRATED =
      java.util.List.of(
          "2026-12-01T12:00:00+00:00 mx postgrey[7]: action=pass, reason=client whitelist,"
              + " client_name=mail.google.com, client_address=198.51.100.1, sender=a@gmail.com,"
              + " recipient=r@example.net",
          "2026-12-01T12:00:05+00:00 mx postgrey[7]: action=greylist, reason=new, client_name=x,"
              + " client_address=192.0.2.1, sender=s@one.example, recipient=r@example.net",
          "2026-12-03T12:00:00+00:00 mx greygate[9]: action=pass, reason=sender whitelist,"
              + " whitelist=@bank.example, client_name=x, client_address=192.0.2.9,"
              + " sender=otp@bank.example, recipient=r@example.org");

  /**
   * What a new user found, README in hand: the domain policy's allow-sender listed as
   * "(recipients)", the page saying "give --log" to a report of Postgrey's logs, "0 of 0 ...
   * (0.0%)", and a CSV without the categories the table shows.
   */
  @Test
  void aMigratedLogReadsRight() throws Exception {
    Path log = dir.resolve("mail.log");
    Files.write(log, MIGRATED, StandardCharsets.UTF_8);
    assertEquals(0, run("report", "--log=" + log), err.toString());
    String text = out.toString();
    out.getBuffer().setLength(0);
    // the last day alone: no greylisted triplet to judge
    assertEquals(0, run("report", "--log=" + log, "--from=2026-12-03"), err.toString());
    String lastDay = out.toString();
    Path page = dir.resolve("report.html");
    assertEquals(0, run("report", "--log=" + log, "--html=" + page), err.toString());
    String html = Files.readString(page);
    out.getBuffer().setLength(0);
    assertEquals(0, run("report", "--log=" + log, "--format=csv"), err.toString());
    String csv = out.toString();
    out.getBuffer().setLength(0);
    assertEquals(
        0, run("report", "--log=" + log, "--from=2026-12-03", "--format=json"), err.toString());
    String json = out.toString();

    org.junit.jupiter.api.Assertions.assertAll(
        () -> assertTrue(text.contains("@bank.example (allow-sender)"), text),
        () -> assertTrue(!text.contains("(recipients)"), text),
        () -> assertTrue(text.contains("1 whitelisted passes name no entry (Postgrey's"), text),
        () -> assertTrue(!lastDay.contains("0 of 0"), lastDay),
        () -> assertTrue(lastDay.contains("effectiveness: n/a"), lastDay),
        () -> assertTrue(!html.contains("give --log"), html),
        () ->
            assertTrue(
                html.contains("Postgrey&#39;s lines do not say which whitelist entry matched"),
                html),
        () ->
            assertEquals(
                java.util.List.of(
                    "day,greylisted,passed_late,passed_known,whitelisted,auto_whitelisted,"
                        + "rate_limited,fail_open,other,total",
                    "2026-12-01,1,0,0,1,0,0,0,0,2",
                    "2026-12-02,0,0,0,0,0,0,0,0,0",
                    "2026-12-03,0,0,0,1,0,0,0,0,1"),
                csv.lines().toList()),
        () -> assertTrue(json.contains("\"share\":null"), json),
        () ->
            assertTrue(
                json.contains(
                    "\"categories\":{\"greylisted\":0,\"passed_late\":0,\"passed_known\":0,"
                        + "\"whitelisted\":1,"),
                json));
  }

  /** A Postfix line that logs what a remote client said in HELO, as smtpd writes it. */
  static String rejectWithHelo(String helo) {
    return "Dec  3 10:00:01 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]:"
        + " 450 4.7.1 <r@example.net>: Recipient address rejected: Greylisted; from=<a@example.org>"
        + " to=<r@example.net> proto=ESMTP helo=<"
        + helo
        + ">";
  }

  @Test
  void whatAClientSaysInHeloNeitherCrashesNorFoolsTheReport() throws Exception {
    Path log = dir.resolve("mail.log");
    String greylisted =
        "Dec  3 10:00:00 mx greygate[9]: action=greylist, reason=new, client_name=a,"
            + " client_address=192.0.2.1, sender=x@one.example, recipient=r@example.net";
    Files.write(
        log,
        java.util.List.of(
            greylisted,
            // overflowed the stack of a regex once `{"action":"` was seen anywhere (exit 1)
            rejectWithHelo("{\"action\":\"" + "a".repeat(1_500)),
            rejectWithHelo("{\"action\":\"pass\",\"reason\":\"" + "\\\"".repeat(1_500)),
            // a broken \\u escape stopped the report with a usage error (exit 2)
            rejectWithHelo("{\"action\":\"pass\",\"reason\":\"\\uZZZZ\"}"),
            // was counted as a pass through the client whitelist
            rejectWithHelo("x action=pass, reason=client whitelist, whitelist=forged.example"),
            rejectWithHelo(
                "x {\"action\":\"pass\",\"reason\":\"client whitelist\",\"whitelist\":\"forged\"}"),
            // greygate's own line, broken: counted as skipped, not a crash
            "Dec  3 10:00:02 mx greygate[9]: {\"action\":\"pass\",\"reason\":\"\\uZZZZ\"}",
            "Dec  3 10:00:03 mx greygate[9]: action=pass, reason=client whitelist, whitelist="
                + "w".repeat(2 * 1024 * 1024),
            greylisted.replace("10:00:00", "10:00:04")),
        StandardCharsets.UTF_8);
    assertEquals(0, run("report", "--log=" + log, "--format=json"), err.toString());
    String json = out.toString();
    assertTrue(json.contains("\"totals\":{\"greylist/new\":2}"), json);
    assertTrue(!json.contains("forged"), json);
    assertTrue(json.contains("\"top_whitelist_entries\":[]"), json);
    assertTrue(json.contains("\"unparsed_lines\":5"), json);
    assertTrue(json.contains("\"skipped_lines\":2"), json);

    out.getBuffer().setLength(0);
    assertEquals(0, run("report", "--log=" + log), err.toString());
    assertTrue(out.toString().contains("2 lines skipped"), out.toString());
  }

  @Test
  void aLogOfOneEndlessLineIsReadInBoundedMemory() throws Exception {
    Path log = dir.resolve("endless.log");
    String greylisted =
        "Dec  3 10:00:00 mx greygate[9]: action=greylist, reason=new, client_name=a,"
            + " client_address=192.0.2.1, sender=x@one.example, recipient=r@example.net\n";
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "rw")) {
      f.write(greylisted.getBytes(StandardCharsets.UTF_8));
      // 700 MB without a newline (a sparse file: holes read as NUL bytes), then one more line;
      // the test JVM has a 512 MB heap, so a line kept whole cannot fit
      f.setLength(700L * 1024 * 1024);
      f.seek(f.length());
      f.write(("\n" + greylisted).getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(0, run("report", "--log=" + log, "--format=json"), err.toString());
    String json = out.toString();
    assertTrue(json.contains("\"totals\":{\"greylist/new\":2}"), json);
    assertTrue(json.contains("\"skipped_lines\":1"), json);
  }

  /**
   * A report of a daemon's log counts as "never came back" what the daemon itself gave up on: the
   * retry window the daemon recorded in its dbdir when it started, not a default of the report's
   * own; --retry-window given to the report replaces it.
   */
  @Test
  void theRetryWindowIsTheDaemonsAsItRecordedIt() throws Exception {
    Path db = dir.resolve("db");
    Files.createDirectories(db);
    try (org.greygate.testing.Daemon d =
        org.greygate.testing.Daemon.serve(
            "--dbdir=" + db,
            "--inet=127.0.0.1:0",
            "--delay=2",
            "--max-age=3",
            "--retry-window=6h")) {
      d.port();
    }
    // greylisted ten hours ago, never back: past the daemon's 6 h window, within the default 2 days
    String at =
        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
            Instant.now().minusSeconds(10 * 3600).atZone(ZoneId.systemDefault()).withNano(0));
    Path log = dir.resolve("greygate.log");
    Files.writeString(
        log,
        at
            + " mx greygate[9]: action=greylist, reason=new, client_name=x,"
            + " client_address=192.0.2.1, sender=s@one.example, recipient=r@example.net\n");
    assertEquals(
        0, run("report", "--dbdir=" + db, "--log=" + log, "--format=json"), err.toString());
    assertTrue(out.toString().contains("\"never_came_back\":1"), out.toString());
    out.getBuffer().setLength(0);
    assertEquals(
        0, run("report", "--dbdir=" + db, "--log=" + log, "--format=json", "--retry-window=1"));
    assertTrue(out.toString().contains("\"never_came_back\":0"), out.toString());
    out.getBuffer().setLength(0);
    // no daemon ever ran there: the declared default, 2 days
    assertEquals(0, run("report", "--dbdir=" + dir, "--log=" + log, "--format=json"));
    assertTrue(out.toString().contains("\"never_came_back\":0"), out.toString());
  }
}
