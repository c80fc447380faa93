package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import org.greygate.policy.Category;
import org.greygate.store.DecisionCount;
import org.junit.jupiter.api.Test;

class ReportTest {
  static final ZoneId UTC = ZoneId.of("UTC");
  static final LocalDate TODAY = LocalDate.of(2026, 12, 3);

  static long t(String iso) {
    return ZonedDateTime.parse(iso + "Z[UTC]").toEpochSecond();
  }

  /** A builder for hourly rows over all time, as the store's counters feed it. */
  static ReportBuilder hourlyBuilder() {
    return new ReportBuilder(
        org.greygate.app.Features.reasons(),
        UTC,
        true,
        Long.MIN_VALUE,
        Long.MAX_VALUE,
        86_400,
        Long.MAX_VALUE);
  }

  @Test
  void readsGreygatesAndPostgreysLinesWhateverPrecedesThem() {
    LogLine console =
        LogLine.parse(
            "2026-12-03 13:33:32.603 INFO  decision: 4ABC: action=greylist, reason=early-retry"
                + " (42s missing), client_name=mx.example.org, client_address=192.0.2.1,"
                + " sender=a@example.org, recipient=b@example.net",
            UTC,
            TODAY);
    assertEquals(t("2026-12-03T13:33:32"), console.epochSecond());
    assertEquals("greylist", console.action());
    assertEquals("early-retry", console.reason());
    assertEquals("b@example.net", console.fields().get("recipient"));
    LogLine syslog =
        LogLine.parse(
            "Dec  3 09:01:02 mx postgrey[812]: action=pass, reason=triplet found, delay=312,"
                + " client_name=x, client_address=192.0.2.9, sender=a@example.org,"
                + " recipient=b@example.net",
            UTC,
            TODAY);
    assertEquals(t("2026-12-03T09:01:02"), syslog.epochSecond());
    assertEquals("312", syslog.fields().get("delay"));
    // December's lines read on the 2nd of January belong to the year before
    assertEquals(
        t("2025-12-31T23:59:59"),
        LogLine.parse(
                "Dec 31 23:59:59 mx postgrey[1]: action=pass, reason=x",
                UTC,
                LocalDate.of(2026, 1, 2))
            .epochSecond());
    LogLine rfc =
        LogLine.parse(
            "2026-12-03T14:00:00.5+01:00 mx greygate[9]: action=pass, reason=client AWL",
            UTC,
            TODAY);
    assertEquals(t("2026-12-03T13:00:00"), rfc.epochSecond());
    assertEquals(Long.MIN_VALUE, LogLine.parse("action=pass, reason=x", UTC, TODAY).epochSecond());
    assertNull(LogLine.parse("Dec  3 09:01:02 mx postfix/smtpd[1]: connect from x", UTC, TODAY));
    assertNull(LogLine.parse("reaction=pass", UTC, TODAY));
    // --log-format=json lines
    LogLine json =
        LogLine.parse(
            "Dec  3 09:01:02 mx greygate[9]: {\"action\":\"pass\",\"reason\":\"triplet found\","
                + "\"outcome\":\"prepend\",\"delay\":\"312\",\"sender\":\"a\\\"b@example.org\"}",
            UTC,
            TODAY);
    assertEquals(t("2026-12-03T09:01:02"), json.epochSecond());
    assertEquals("triplet found", json.reason());
    assertEquals("312", json.fields().get("delay"));
    assertEquals("a\"b@example.org", json.fields().get("sender"));
  }

  /** Postfix's reject line, which logs what the client said in HELO. */
  static String heloLine(String helo) {
    return "Dec  3 10:00:01 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]:"
        + " 450 4.7.1 <r@example.net>: Recipient address rejected: Greylisted; from=<a@example.org>"
        + " to=<r@example.net> proto=ESMTP helo=<"
        + helo
        + ">";
  }

  @Test
  void aDecisionIsReadOnlyFromGreygatesOrPostgreysOwnLines() {
    String forged = "action=pass, reason=client whitelist, whitelist=forged.example";
    for (String line :
        List.of(
            heloLine("x " + forged),
            heloLine(forged),
            heloLine("{\"action\":\"pass\",\"reason\":\"client whitelist\"}"),
            heloLine("{\"action\":\"" + "a".repeat(5_000)),
            heloLine("{\"action\":\"pass\",\"reason\":\"\\uZZZZ\"}"),
            "2026-12-03T10:00:01.123456+00:00 mx postfix/smtpd[1]: connect from x " + forged,
            "Dec  3 10:00:01 mx postfix/smtpd[1]: " + forged,
            "Dec  3 10:00:01 mx sshd[1]: Invalid user " + forged,
            "Dec  3 10:00:01 mx greygate[9]: listening on 127.0.0.1:10023, " + forged,
            "Dec  3 10:00:01 mx greygate[9]: PolicyServer: " + forged,
            "2026-12-03 13:33:32.603 WARN  PolicyServer: bad request from x: " + forged,
            "Dec  3 10:00:01 mx greygate9: " + forged,
            "x " + forged,
            "")) {
      assertEquals(new LineRead.Other(), LogLine.read(line, UTC, TODAY), line);
    }
  }

  @Test
  void aBrokenDecisionIsSkippedNotACrash() {
    for (String message :
        List.of(
            "{\"action\":\"pass\",\"reason\":\"\\uZZZZ\"}",
            "{\"action\":\"pass\",\"reason\":\"" + "\\\"".repeat(5_000),
            "{\"action\":\"" + "a".repeat(5_000),
            "{\"reason\":\"client whitelist\"}",
            "{\"action\":\"\"}",
            "{\"action\":\"pass\"} trailing",
            "{\"action\":\"pass\"}{\"action\":\"pass\"}",
            "{\"action\":" + "[".repeat(10_000),
            "{",
            "action=",
            "action=two words, reason=x")) {
      String line = "Dec  3 10:00:01 mx greygate[9]: " + message;
      assertTrue(LogLine.read(line, UTC, TODAY) instanceof LineRead.Unreadable, line);
    }
  }

  @Test
  void valuesCannotForgeFieldsOfTheirOwnLine() {
    // a sender may hold ", name=value" (a quoted local part): it stays the sender's
    LogLine l =
        LogLine.parse(
            "Dec  3 10:00:01 mx greygate[9]: 4ABC: action=pass, reason=triplet found,"
                + " client_name=x, client_address=192.0.2.1,"
                + " sender=\"a, action=greylist, delay=5, whitelist=w\"@example.org,"
                + " recipient=r@example.net",
            UTC,
            TODAY);
    assertEquals("pass", l.action());
    assertEquals("triplet found", l.reason());
    assertNull(l.fields().get("delay"));
    assertNull(l.fields().get("whitelist"));
    assertEquals(
        "\"a, action=greylist, delay=5, whitelist=w\"@example.org", l.fields().get("sender"));
    assertEquals("r@example.net", l.fields().get("recipient"));
    LogLine json =
        LogLine.parse(
            "Dec  3 10:00:01 mx greygate[9]: {\"action\":\"pass\",\"reason\":\"client AWL\","
                + "\"action\":\"greylist\",\"sender\":\"a\\u001b[2J@x\"}",
            UTC,
            TODAY);
    assertEquals("pass", json.action(), "the first member counts");
    assertEquals("a\u001b[2J@x", json.fields().get("sender"));
  }

  @Test
  void everyLogShapeGreygateAndPostgreyWrite() {
    String d = "action=pass, reason=client AWL, client_address=192.0.2.1";
    long at = t("2026-12-03T10:00:01");
    for (String line :
        List.of(
            "Dec  3 10:00:01 mx greygate[9]: " + d,
            "Dec 03 10:00:01 mx greygate[9]: " + d,
            "Dec 03 10:00:01.123456 mx greygate[9]: " + d,
            "Dec  3 10:00:01 mx greygate[9]: queue: " + d,
            "Dec  3 10:00:01 mx greygate: " + d,
            "Dec  3 10:00:01 mx postgrey[812]: 4ABCDEF12: " + d,
            "Dec  3 10:00:01 mx greygate-queue-watch[9]: " + d,
            "2026-12-03T10:00:01.123456+00:00 mx greygate[9]: " + d,
            "2026-12-03T11:00:01+01:00 mx greygate[9]: " + d,
            "2026-12-03T11:00:01+0100 mx greygate[9]: " + d,
            "2026-12-03T10:00:01Z mx greygate[9]: " + d,
            "2026-12-03 10:00:01.603 INFO  decision: " + d,
            "2026-12-03 10:00:01.603 INFO  decision: 4ABC: " + d,
            "2026-12-03 10:00:01 WARN  queue: " + d,
            "Dec  3 10:00:01 mx greygate[9]: {\"action\":\"pass\",\"reason\":\"client AWL\"}",
            "2026-12-03 10:00:01.603 INFO  decision: {\"action\":\"pass\",\"reason\":\"client"
                + " AWL\"}")) {
      LogLine l = LogLine.parse(line, UTC, TODAY);
      assertEquals("pass", l == null ? null : l.action(), line);
      assertEquals("client AWL", l.reason(), line);
      assertEquals(at, l.epochSecond(), line);
    }
    // the journal's bare lines (journalctl -o cat, or stdout kept in a file): no time
    assertEquals(Long.MIN_VALUE, LogLine.parse(d, UTC, TODAY).epochSecond());
    assertEquals("pass", LogLine.parse("4ABC: " + d, UTC, TODAY).action());
    assertEquals("pass", LogLine.parse("queue: " + d, UTC, TODAY).action());
    assertEquals("pass", LogLine.parse("{\"action\":\"pass\"}", UTC, TODAY).action());
  }

  ReportBuilder logs(String... lines) {
    ReportBuilder b =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            false,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            86_400,
            t("2026-12-03T10:00:00"));
    for (String l : lines) b.add(l, TODAY);
    return b;
  }

  static String line(String time, String what, String client, String sender, String rcpt) {
    return time
        + " INFO  decision: "
        + what
        + ", client_name=x, client_address="
        + client
        + ", sender="
        + sender
        + ", recipient="
        + rcpt;
  }

  @Test
  void logsGiveCountsEffectivenessDelaysAndTopLists() {
    Report r =
        logs(
                // a: greylisted twice, passes after 400 s (from another host of the same /24)
                line(
                    "2026-12-01 10:00:00",
                    "action=greylist, reason=new",
                    "192.0.2.1",
                    "a@one.example",
                    "r@x"),
                line(
                    "2026-12-01 10:02:00",
                    "action=greylist, reason=early-retry (180s missing)",
                    "192.0.2.1",
                    "a@one.example",
                    "r@x"),
                line(
                    "2026-12-01 10:06:40",
                    "action=pass, reason=triplet found, delay=400",
                    "192.0.2.77",
                    "a@one.example",
                    "r@x"),
                line(
                    "2026-12-01 11:00:00",
                    "action=pass, reason=triplet found",
                    "192.0.2.77",
                    "a@one.example",
                    "r@x"),
                // b, c: greylisted, never came back
                line(
                    "2026-12-01 12:00:00",
                    "action=greylist, reason=new",
                    "198.51.100.5",
                    "spam@two.example",
                    "r@x"),
                line(
                    "2026-12-01 12:00:01",
                    "action=greylist, reason=new",
                    "198.51.100.6",
                    "spam@two.example",
                    "s@x"),
                // d: greylisted too recently to judge
                line(
                    "2026-12-03 09:00:00",
                    "action=greylist, reason=new",
                    "203.0.113.1",
                    "z@three.example",
                    "r@x"),
                line(
                    "2026-12-03 10:00:00",
                    "action=pass, reason=client whitelist",
                    "203.0.113.9",
                    "w@four.example",
                    "r@x"),
                line(
                    "2026-12-03 10:00:01",
                    "action=pass, reason=domain policy, domain_policy=x",
                    "203.0.113.9",
                    "w@four.example",
                    "r@x"),
                line(
                    "2026-12-03 10:00:02",
                    "action=pass, reason=dnswl, dnswl=list.dnswl.org",
                    "203.0.113.10",
                    "w@four.example",
                    "r@x"),
                line(
                    "2026-12-03 10:00:03",
                    "action=pass, reason=sender whitelist, whitelist=@four.example",
                    "203.0.113.11",
                    "w@four.example",
                    "r@x"),
                "Dec  3 10:00:00 mx postfix/smtpd[1]: connect from somewhere")
            .build("test");
    assertEquals(
        List.of("2026-12-01", "2026-12-02", "2026-12-03"),
        r.periods().stream().map(Report.Period::start).toList(),
        "the quiet day between has its row");
    Report.Period day1 = r.periods().get(0);
    assertEquals(4, day1.get(Category.GREYLISTED));
    assertEquals(1, day1.get(Category.PASSED_LATE));
    assertEquals(1, day1.get(Category.PASSED_KNOWN));
    assertEquals(
        4,
        r.periods().get(2).get(Category.WHITELISTED),
        "whitelists, domain policy, DNS allow list and sender whitelist alike");
    assertEquals(4, r.totals().get("greylist/new"));
    assertEquals(1, r.totals().get("greylist/early-retry"));
    assertEquals(new Report.Effectiveness(3, 2, 86_400), r.effectiveness());
    assertEquals(new Report.Delays(1, 400, 400, 400, 1, 2, 2), r.delays());
    assertEquals(
        List.of(
            new Report.Top("192.0.2.0/24", 2),
            new Report.Top("198.51.100.0/24", 2),
            new Report.Top("203.0.113.0/24", 1)),
        r.topNetworks());
    assertEquals(
        List.of(
            new Report.Top("one.example", 2),
            new Report.Top("two.example", 2),
            new Report.Top("three.example", 1)),
        r.topSenderDomains());
    assertEquals(1, r.unparsed());
  }

  @Test
  void whitelistEntriesAndTheDelayHistogram() {
    Report r =
        logs(
                line(
                    "2026-12-03 08:00:00",
                    "action=pass, reason=client whitelist, whitelist=google.com",
                    "192.0.2.1",
                    "a@gmail.com",
                    "r@x"),
                line(
                    "2026-12-03 08:01:00",
                    "action=pass, reason=client whitelist, whitelist=google.com",
                    "192.0.2.2",
                    "b@gmail.com",
                    "r@x"),
                line(
                    "2026-12-03 08:02:00",
                    "action=pass, reason=recipient whitelist, whitelist=postmaster@",
                    "198.51.100.1",
                    "c@example.org",
                    "postmaster@x"),
                line(
                    "2026-12-03 08:03:00",
                    "action=pass, reason=triplet found, delay=299",
                    "203.0.113.1",
                    "d@e",
                    "r@x"),
                line(
                    "2026-12-03 08:04:00",
                    "action=pass, reason=triplet found, delay=301",
                    "203.0.114.1",
                    "d@e",
                    "r@x"),
                line(
                    "2026-12-03 08:05:00",
                    "action=pass, reason=triplet found, delay=90000",
                    "203.0.115.1",
                    "d@e",
                    "r@x"))
            .build("test");
    assertEquals(
        List.of(
            new Report.Top("google.com (clients)", 2),
            new Report.Top("postmaster@ (recipients)", 1)),
        r.topWhitelistEntries());
    List<Report.Bucket> h = r.delayHistogram();
    assertEquals(Report.DELAY_BUCKETS.size() + 1, h.size());
    assertEquals(new Report.Bucket("<=5m", 300, 1), h.get(0));
    assertEquals(new Report.Bucket("5m-10m", 600, 1), h.get(1));
    assertEquals(new Report.Bucket(">1d", Long.MAX_VALUE, 1), h.get(h.size() - 1));
    assertEquals(3, h.stream().mapToLong(Report.Bucket::count).sum());
    StringWriter text = new StringWriter();
    ReportWriter.write(r, ReportWriter.Format.TEXT, new PrintWriter(text));
    assertTrue(text.toString().contains("google.com (clients)"), text.toString());
    assertTrue(text.toString().contains("waited:  <=5m 1  5m-10m 1"), text.toString());
  }

  @Test
  void rateLimitHitsByRuleAndKey() {
    Report r =
        logs(
                "2026-12-03 08:00:00 INFO  decision: action=ratelimit, reason=limit burst,"
                    + " rule=burst, key=alice@example.org, count=31, limit=30, window=10m",
                "2026-12-03 08:00:01 INFO  decision: action=ratelimit, reason=limit burst,"
                    + " rule=burst, key=alice@example.org, count=32, limit=30, window=10m",
                "2026-12-03 08:00:02 INFO  decision: action=ratelimit, reason=limit daily,"
                    + " rule=daily, key=bob@example.org, count=2001, limit=2000, window=1d")
            .build("test");
    assertEquals(
        List.of(new Report.Top("burst", 2), new Report.Top("daily", 1)), r.rateLimitHits());
    assertEquals(
        List.of(
            new Report.Top("burst alice@example.org", 2),
            new Report.Top("daily bob@example.org", 1)),
        r.topLimitedKeys());
    assertEquals(3, r.periods().get(0).get(Category.RATE_LIMITED));

    ReportBuilder b =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            false,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            86_400,
            Long.MAX_VALUE);
    b.add(new DecisionCount(t("2026-12-03T10:00:00"), "hold", "limit burst", 7));
    b.add(new DecisionCount(t("2026-12-03T10:00:00"), "defer", "limit daily", 2));
    Report s = b.build("database");
    assertEquals(
        List.of(new Report.Top("burst", 7), new Report.Top("daily", 2)), s.rateLimitHits());
    assertEquals(9, s.periods().get(0).get(Category.RATE_LIMITED));
    assertEquals(0, s.periods().get(0).get(Category.GREYLISTED));
  }

  @Test
  void queueAlertsAreListedAndNotCountedAsRequests() {
    Report r =
        logs(
                "2026-12-03 08:00:00 INFO  decision: action=ratelimit, reason=limit burst,"
                    + " rule=burst, key=alice@example.org, count=31, limit=30, window=10m",
                "2026-12-03 08:00:01 WARN  queue: action=queue-alert, alert=watermark,"
                    + " queue=hold, count=2, threshold=2, bytes=806",
                "2026-12-03 08:00:02 INFO  queue: action=queue-clear, alert=watermark,"
                    + " queue=hold, count=0, threshold=2, bytes=0, lasted=1m",
                // an admin's run of a queue tool, recorded: no request, no alert
                "2026-12-03 08:00:03 INFO  queue: action=queue-tool, tool=postsuper, user=bob,"
                    + " as=root, source=sudo, command=/usr/sbin/postsuper -d 4ABCD",
                "2026-12-03 08:10:00 WARN  queue: action=queue-alert, alert=watermark,"
                    + " queue=hold, count=3, threshold=2, bytes=900",
                "{\"action\":\"queue-alert\",\"alert\":\"volume\",\"count\":\"900\"}")
            .build("test");
    assertEquals(
        List.of(new Report.Top("watermark hold", 2), new Report.Top("volume", 1)), r.queueAlerts());
    assertEquals(
        1,
        r.periods().stream()
            .mapToLong(p -> p.categories().values().stream().mapToLong(Long::longValue).sum())
            .sum(),
        "one request in the rows: the rate-limit answer");
    StringWriter text = new StringWriter();
    ReportWriter.write(r, ReportWriter.Format.TEXT, new PrintWriter(text));
    assertTrue(text.toString().contains("queue watch alerts"), text.toString());
    StringWriter json = new StringWriter();
    ReportWriter.write(r, ReportWriter.Format.JSON, new PrintWriter(json));
    assertTrue(
        json.toString().contains("\"queue_alerts\":[{\"name\":\"watermark hold\",\"count\":2}"),
        json.toString());
  }

  @Test
  void releasesAreListedByWhoAskedAndNotCountedAsRequests() {
    Report r =
        logs(
                "2026-12-03 08:00:00 INFO  decision: action=greylist, reason=new,"
                    + " client_name=mx.example.org, client_address=192.0.2.1,"
                    + " sender=a@example.org, recipient=b@example.net",
                "2026-12-03 08:01:00 INFO  decision: action=release, origin=cli, released=3,"
                    + " by=root",
                "2026-12-03 08:02:00 INFO  decision: action=release, origin=api, released=1,"
                    + " by=127.0.0.1",
                "2026-12-03 08:03:00 INFO  decision: action=release, origin=cli, released=2,"
                    + " by=root",
                // damaged: counted once, never a number it does not hold
                "2026-12-03 08:04:00 INFO  decision: action=release, origin=cli,"
                    + " released=99999999999999999999999, by=root")
            .build("test");
    assertEquals(
        List.of(new Report.Top("cli by root", 6), new Report.Top("api by 127.0.0.1", 1)),
        r.releases());
    assertEquals(
        1,
        r.periods().stream()
            .mapToLong(p -> p.categories().values().stream().mapToLong(Long::longValue).sum())
            .sum(),
        "one request in the rows: the greylisted one");
    StringWriter text = new StringWriter();
    ReportWriter.write(r, ReportWriter.Format.TEXT, new PrintWriter(text));
    assertTrue(
        text.toString().contains("greylisted triplets released (who asked)"), text.toString());
    StringWriter json = new StringWriter();
    ReportWriter.write(r, ReportWriter.Format.JSON, new PrintWriter(json));
    assertTrue(
        json.toString().contains("\"releases\":[{\"name\":\"cli by root\",\"count\":6}"),
        json.toString());

    ReportBuilder b = hourlyBuilder();
    long h = t("2026-12-03T10:00:00");
    b.add(new DecisionCount(h, "release", "cli", 4));
    b.add(new DecisionCount(h, "defer", "new", 7));
    b.add(new DecisionCount(h + 3600, "release", "api", 2));
    Report c = b.build("counters");
    assertEquals(List.of(new Report.Top("cli", 4), new Report.Top("api", 2)), c.releases());
    assertEquals(
        7, c.totals().values().stream().mapToLong(Long::longValue).sum(), c.totals().toString());
  }

  @Test
  void storeCountersReadAsTheLogsActions() {
    long h = t("2026-12-03T10:00:00");
    ReportBuilder b = hourlyBuilder();
    b.add(new DecisionCount(h, "defer", "new", 7));
    b.add(new DecisionCount(h, "prepend", "triplet found", 3));
    b.add(new DecisionCount(h, "dunno", "triplet found", 5));
    b.add(new DecisionCount(h + 3600, "dunno", "client AWL", 2));
    b.add(new DecisionCount(h + 3600, "defer", "fail-open", 1));
    Report r = b.build("database");
    assertEquals(2, r.periods().size());
    assertEquals("2026-12-03T10", r.periods().get(0).start());
    assertEquals(7, r.periods().get(0).get(Category.GREYLISTED));
    assertEquals(3, r.periods().get(0).get(Category.PASSED_LATE));
    assertEquals(5, r.periods().get(0).get(Category.PASSED_KNOWN));
    assertEquals(1, r.periods().get(1).get(Category.FAIL_OPEN));
    assertEquals(8, r.totals().get("pass/triplet found"));
    assertNull(r.effectiveness(), "the counters hold no triplets");
  }

  /**
   * Each whitelisted pass is listed under the list it came from: the domain policy's {@code
   * allow-sender} (logged {@code reason=sender whitelist}) was shown as "(recipients)", its {@code
   * greylist=off} and the DNS allow lists not at all.
   */
  @Test
  void everyWhitelistEntryIsNamedWithItsOwnList() {
    Report r =
        logs(
                line(
                    "2026-12-03 08:00:00",
                    "action=pass, reason=sender whitelist, whitelist=@bank.example",
                    "192.0.2.1",
                    "a@bank.example",
                    "r@example.org"),
                line(
                    "2026-12-03 08:00:01",
                    "action=pass, reason=domain policy, domain_policy=accounts.example.org",
                    "192.0.2.2",
                    "b@c.example",
                    "r@accounts.example.org"),
                line(
                    "2026-12-03 08:00:02",
                    "action=pass, reason=dnswl, dnswl=list.dnswl.org,wl.example",
                    "192.0.2.3",
                    "b@c.example",
                    "r@x"),
                line(
                    "2026-12-03 08:00:03",
                    "action=pass, reason=recipient whitelist, whitelist=postmaster@",
                    "192.0.2.4",
                    "b@c.example",
                    "postmaster@x"),
                line(
                    "2026-12-03 08:00:04",
                    "action=pass, reason=not listed",
                    "192.0.2.5",
                    "b@c.example",
                    "r@x"))
            .build("test");
    assertEquals(
        List.of(
            new Report.Top("@bank.example (allow-sender)", 1),
            new Report.Top("accounts.example.org (greylist=off)", 1),
            new Report.Top("list.dnswl.org (dnswl)", 1),
            new Report.Top("postmaster@ (recipients)", 1),
            new Report.Top("wl.example (dnswl)", 1)),
        r.topWhitelistEntries());
    assertEquals(5, r.total(Category.WHITELISTED));
    assertEquals(new Report.LogGaps(0, 0, 0), r.gaps(), "every entry named");
  }

  static final String POSTGREY_WHITELISTED =
      "Dec  3 10:00:01 mx postgrey[812]: action=pass, reason=client whitelist,"
          + " client_name=mail.google.com, client_address=198.51.100.1, sender=a@gmail.com,"
          + " recipient=r@example.net";

  /**
   * Postgrey's lines do not name the whitelist entry that matched: the page said "the database
   * keeps no names: give --log" though the report read the logs. It says what the lines lack.
   */
  @Test
  void postgreysLinesSayWhatTheyLackNotGiveLog() {
    Report r =
        logs(
                POSTGREY_WHITELISTED,
                POSTGREY_WHITELISTED.replace("10:00:01", "10:00:02"),
                "Dec  3 10:00:03 mx postgrey[812]: action=greylist, reason=new, client_name=x,"
                    + " client_address=192.0.2.1, sender=s@one.example, recipient=r@example.net")
            .build("log mail.log");
    assertEquals(new Report.LogGaps(3, 2, 0), r.gaps());
    assertEquals(2, r.total(Category.WHITELISTED));
    assertEquals(List.of(), r.topWhitelistEntries());
    StringWriter page = new StringWriter();
    ReportWriter.writeHtml(r, new PrintWriter(page));
    String html = page.toString();
    assertFalse(html.contains("give --log"), html);
    assertTrue(
        html.contains(
            "None named: 2 whitelisted passes name no entry (Postgrey&#39;s lines do not say which"
                + " whitelist entry matched; greygate&#39;s do)"),
        html);
    String text = write(r, ReportWriter.Format.TEXT);
    assertTrue(text.contains("2 whitelisted passes name no entry (Postgrey's lines"), text);
    String json = write(r, ReportWriter.Format.JSON);
    assertTrue(
        json.contains(
            "\"log_gaps\":{\"postgrey_decisions\":3,\"unnamed_whitelisted\":2,"
                + "\"greylisted_without_triplet\":0}"),
        json);

    // from the counters, the page does say the logs hold the names
    ReportBuilder b =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            false,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            86_400,
            Long.MAX_VALUE);
    b.add(new DecisionCount(t("2026-12-03T10:00:00"), "dunno", "client whitelist", 2));
    StringWriter db = new StringWriter();
    ReportWriter.writeHtml(b.build("database"), new PrintWriter(db));
    assertTrue(
        db.toString().contains("the database keeps counts, not names; give --log"), db.toString());

    // logs that hold no decision at all are still logs
    ReportBuilder empty =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            false,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            86_400,
            Long.MAX_VALUE);
    empty.readingLogs();
    StringWriter none = new StringWriter();
    ReportWriter.writeHtml(empty.build("log"), new PrintWriter(none));
    assertFalse(none.toString().contains("give --log"), none.toString());
  }

  /** "0 of 0 greylisted triplets never came back (0.0%)": nothing measured is not 0 %. */
  @Test
  void nothingToMeasureIsNotApplicableNotZero() {
    Report r =
        logs(line(
                "2026-12-03 09:59:00",
                "action=greylist, reason=new",
                "192.0.2.1",
                "a@one.example",
                "r@x"))
            .build("test");
    assertEquals(0, r.effectiveness().greylisted(), "greylisted a minute ago: too recent");
    String text = write(r, ReportWriter.Format.TEXT);
    assertFalse(text.contains("0 of 0"), text);
    assertFalse(text.contains("0.0%"), text);
    assertTrue(text.contains("effectiveness: n/a (no triplet greylisted 24 h or more"), text);
    assertTrue(
        text.contains("delay of mail that passed: n/a (no greylisted mail passed in this period)"),
        text);
    String json = write(r, ReportWriter.Format.JSON);
    assertTrue(json.contains("\"never_came_back\":0,\"share\":null"), json);
    assertTrue(
        json.contains(
            "\"passed\":0,\"median_seconds\":null,\"p90_seconds\":null,\"max_seconds\":null,"
                + "\"retried\":0,\"retries_median\":null,\"retries_max\":null"),
        json);
    StringWriter page = new StringWriter();
    ReportWriter.writeHtml(r, new PrintWriter(page));
    assertFalse(page.toString().contains("0.0%"), page.toString());

    // a pass whose greylisting is in no log given: its wait is known, its retries are not
    Report late =
        logs(line(
                "2026-12-03 09:00:00",
                "action=pass, reason=triplet found, delay=400",
                "192.0.2.1",
                "a@one.example",
                "r@x"))
            .build("test");
    String t = write(late, ReportWriter.Format.TEXT);
    assertTrue(
        t.contains(
            "greylisted attempts before passing: n/a (the logs do not show these triplets being"
                + " greylisted)"),
        t);
  }

  /**
   * Every day (hour) of the span has its row, quiet ones as zeros: the span asked for, or the logs'
   * first to last decision. A line dated in year 1 cannot make millions of rows.
   */
  @Test
  void quietDaysAndHoursKeepTheirPlace() {
    ReportBuilder b =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            true,
            t("2026-12-03T00:00:00"),
            t("2026-12-04T00:00:00"),
            86_400,
            t("2026-12-03T06:30:00"));
    b.add(
        line("2026-12-03 02:10:00", "action=greylist, reason=new", "192.0.2.1", "a@b", "r@x"),
        TODAY);
    b.add(
        line("2026-12-03 05:10:00", "action=greylist, reason=new", "192.0.2.1", "a@b", "r@x"),
        TODAY);
    Report r = b.build("test");
    assertEquals(
        List.of(
            "2026-12-03T00",
            "2026-12-03T01",
            "2026-12-03T02",
            "2026-12-03T03",
            "2026-12-03T04",
            "2026-12-03T05",
            "2026-12-03T06"),
        r.periods().stream().map(Report.Period::start).toList(),
        "from the start asked for to now");
    assertEquals(0, r.periods().get(3).total());
    assertTrue(
        write(r, ReportWriter.Format.CSV).contains("\n2026-12-03T03,0,0,0,0,0,0,0,0,0\n"),
        "the CSV has the quiet hour");

    Report hostile =
        logs(
                "0001-01-01 00:00:00 INFO  decision: action=greylist, reason=new",
                "9999-12-31 23:00:00 INFO  decision: action=greylist, reason=new")
            .build("test");
    assertEquals(2, hostile.periods().size(), "a span past the limit is not filled");
    ReportBuilder far =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            true,
            t("0001-01-01T00:00:00"),
            Long.MAX_VALUE,
            86_400,
            Long.MAX_VALUE);
    far.add(
        line("2026-12-03 02:10:00", "action=greylist, reason=new", "192.0.2.1", "a@b", "r@x"),
        TODAY);
    far.add(
        line("2026-12-03 04:10:00", "action=greylist, reason=new", "192.0.2.1", "a@b", "r@x"),
        TODAY);
    assertEquals(
        3, far.build("test").periods().size(), "--from year 1: the decisions' span, filled");
  }

  @Test
  void textJsonAndCsv() {
    Report r =
        logs(
                line(
                    "2026-12-01 10:00:00",
                    "action=greylist, reason=new",
                    "192.0.2.1",
                    "a@one.example",
                    "r@x"),
                line(
                    "2026-12-01 10:06:40",
                    "action=pass, reason=triplet found, delay=400",
                    "192.0.2.1",
                    "a@one.example",
                    "r@x"))
            .build("log \"x\"");
    String text = write(r, ReportWriter.Format.TEXT);
    assertTrue(text.contains("greylisted"), text);
    assertTrue(text.contains("2026-12-01"), text);
    assertTrue(text.contains("median 6 min"), text);
    String json = write(r, ReportWriter.Format.JSON);
    assertTrue(json.startsWith("{\"source\":\"log \\\"x\\\"\""), json);
    assertTrue(json.contains("\"greylist/new\":1"), json);
    assertTrue(json.contains("\"median_seconds\":400"), json);
    assertEquals(
        "day,greylisted,passed_late,passed_known,whitelisted,auto_whitelisted,rate_limited,"
            + "fail_open,other,total\n"
            + "2026-12-01,1,1,0,0,0,0,0,0,2\n",
        write(r, ReportWriter.Format.CSV));
  }

  static String write(Report r, ReportWriter.Format f) {
    StringWriter s = new StringWriter();
    ReportWriter.write(r, f, new PrintWriter(s));
    return s.toString().replace("\r\n", "\n");
  }
}
