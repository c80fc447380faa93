package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.greygate.logline.BoundedLines;
import org.greygate.logline.SyslogLine;
import org.greygate.logline.TerminalText;
import org.greygate.queue.MailLogLinesAccess;
import org.greygate.report.LineRead;
import org.greygate.report.LogLine;
import org.greygate.report.Report;
import org.greygate.report.ReportBuilder;
import org.greygate.report.ReportWriter;

/**
 * Any text after any of the envelopes a log line has: {@code report}'s reader never throws, finds a
 * decision only in greygate's or Postgrey's lines (never in Postfix's, whose text a client
 * chooses), and what it prints holds no control character (text, CSV) or is valid JSON; the queue
 * watch's reader finds no release, requeue or delivery in a line of smtpd's; the line reader gives
 * the same lines in any split, each within its limit. Replayed from the committed corpus on every
 * test run; fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=LogLineFuzzTest
 * -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class LogLineFuzzTest {
  static final ZoneId UTC = ZoneId.of("UTC");
  static final LocalDate TODAY = LocalDate.of(2026, 12, 3);

  /** What precedes the fuzzed text; the last byte of an input picks one. */
  static final String[] ENVELOPES = {
    "",
    "Dec  3 10:00:01 mx greygate[9]: ",
    "Dec  3 10:00:01 mx postgrey[812]: ",
    "2026-12-03T10:00:01.123456+00:00 mx greygate[9]: ",
    "2026-12-03 10:00:01.603 INFO  decision: ",
    // Postfix's lines: what follows is a client's
    "Dec  3 10:00:01 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from x[192.0.2.66]: 450 4.7.1"
        + " <r@example.net>: Recipient address rejected: Greylisted; helo=<",
    "2026-12-03T10:00:01+00:00 mx postfix-out/smtpd[1]: connect from ",
    "Dec  3 10:00:01 mx postfix/postsuper[812]: ",
    "Dec  3 10:00:01 mx postfix/smtp[913]: ",
  };

  static boolean clients(int envelope) {
    return envelope == 5 || envelope == 6;
  }

  static final JsonFactory JSON = new JsonFactory();

  @FuzzTest(maxDuration = "5m")
  void reportLines(FuzzedDataProvider data) throws IOException {
    int envelope = data.consumeInt(0, ENVELOPES.length - 1);
    String text = data.consumeRemainingAsString();
    ReportBuilder b =
        new ReportBuilder(
            org.greygate.app.Features.reasons(),
            UTC,
            false,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            86_400,
            0);
    for (String message : text.split("\n", -1)) {
      String line = ENVELOPES[envelope] + message;
      LineRead read = LogLine.read(line, UTC, TODAY);
      if (clients(envelope)) {
        assertEquals(new LineRead.Other(), read, line);
      }
      if (read instanceof LogLine l) {
        assertFalse(l.action().isEmpty() || l.action().indexOf(' ') >= 0, line);
      }
      b.add(line, TODAY);
    }
    Report r = b.build("fuzz");
    String table = write(r, ReportWriter.Format.TEXT);
    String csv = write(r, ReportWriter.Format.CSV);
    for (String out : List.of(table, csv)) {
      assertNoControlCharacter(out);
    }
    String json = write(r, ReportWriter.Format.JSON);
    try (JsonParser p = JSON.createParser(json)) {
      while (p.nextToken() != null) {
        // reads to the end, or throws on invalid JSON
      }
    }
    assertNoControlCharacter(json);
    // the page: whatever the lines held, no markup of theirs and a bounded size
    StringWriter page = new StringWriter();
    ReportWriter.writeHtml(r, new PrintWriter(page));
    String html = page.toString();
    assertFalse(html.contains("<script"), html);
    assertEquals(
        html.indexOf("<svg id=\"timeline\"") < 0 ? 0 : 1,
        html.split("<svg id=\"timeline\"", -1).length - 1);
    assertTrue(html.length() < 200_000 + 600L * text.length(), "page of " + html.length());
  }

  /**
   * The message is built only on failure: built for every character it made a long report's check
   * quadratic, and the fuzzer took that for a hang.
   */
  static void assertNoControlCharacter(String out) {
    for (int i = 0; i < out.length(); i++) {
      char c = out.charAt(i);
      if (c != '\n' && TerminalText.control(c)) {
        throw new AssertionError("a control character at " + i + " in " + out);
      }
    }
  }

  static String write(Report r, ReportWriter.Format format) {
    StringWriter s = new StringWriter();
    ReportWriter.write(r, format, new PrintWriter(s));
    return s.toString();
  }

  @FuzzTest(maxDuration = "5m")
  void mailLogLines(FuzzedDataProvider data) {
    int envelope = data.consumeInt(0, ENVELOPES.length - 1);
    String line = ENVELOPES[envelope] + data.consumeRemainingAsString();
    SyslogLine s = SyslogLine.parse(line);
    assertTrue(line.endsWith(s.message()), line);
    if (s.shape() == SyslogLine.Shape.SYSLOG || s.shape() == SyslogLine.Shape.RFC3339) {
      assertTrue(line.startsWith(s.stamp() + " " + s.host() + " " + s.program()), line);
    }
    assertTrue(s.epochSecond(UTC, TODAY) >= Long.MIN_VALUE);
    long released = MailLogLinesAccess.releasedFromHold(line);
    long requeued = MailLogLinesAccess.requeued(line);
    boolean delivery = MailLogLinesAccess.delivery(line, Set.of("smtp", "smtpd", "lmtp"));
    assertTrue(released >= 0 && requeued >= 0, line);
    if (clients(envelope)) {
      assertEquals(0, released, line);
      assertEquals(0, requeued, line);
      assertFalse(delivery, line);
    }
  }

  @FuzzTest(maxDuration = "5m")
  void lineReader(FuzzedDataProvider data) throws IOException {
    int max = data.consumeInt(1, 64);
    int chunk = data.consumeInt(1, 32);
    String text = data.consumeRemainingAsString();
    // what it must give: split at '\n', a '\r' before it dropped, lines over max left out
    List<String> expected = new ArrayList<>();
    long over = 0;
    String[] parts = text.split("\n", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      boolean last = i == parts.length - 1;
      if (last && p.isEmpty()) break;
      if (!last && p.endsWith("\r")) p = p.substring(0, p.length() - 1);
      if (p.length() > max) {
        over++;
      } else {
        expected.add(p);
      }
    }
    Reader trickle =
        new StringReader(text) {
          @Override
          public int read(char[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, chunk));
          }
        };
    List<String> got = new ArrayList<>();
    try (BoundedLines lines = new BoundedLines(trickle, max)) {
      for (String l = lines.next(); l != null; l = lines.next()) got.add(l);
      assertEquals(over, lines.overLong());
      assertNull(lines.next());
    }
    assertEquals(expected, got);
  }
}
