package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.greygate.metrics.Metrics;
import org.greygate.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch's wiring with a program in postqueue's place (the real postqueue is read in the Postfix
 * end-to-end test): what it lists becomes metrics and alerts, a failing or hanging program is
 * reported once and bounded in time, the mail log is followed.
 */
class QueueWatchIT {
  @TempDir Path dir;

  /** A stand-in that prints the file LISTING and exits with the code in the file CODE. */
  Path postqueue() throws IOException {
    Path script = dir.resolve("postqueue");
    Files.writeString(
        script,
        "#!/bin/sh\n"
            + "cat '"
            + dir.resolve("listing")
            + "'\n"
            + "code=$(cat '"
            + dir.resolve("code")
            + "' 2>/dev/null || echo 0)\n"
            + "[ \"$code\" = 0 ] || echo 'postqueue: fatal: Queue report unavailable - mail system"
            + " is down' >&2\n"
            + "exit $code\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dir.resolve("listing"), "");
    return script;
  }

  void listing(String... lines) throws IOException {
    Files.writeString(dir.resolve("listing"), String.join("\n", lines) + "\n");
  }

  static String message(String queue, long size) {
    return "{\"queue_name\": \""
        + queue
        + "\", \"queue_id\": \"4Qx1Lm2Vz3z9s\", \"arrival_time\": 1764820000, \"message_size\": "
        + size
        + ", \"forced_expire\": false, \"sender\": \"a@example.org\", \"recipients\":"
        + " [{\"address\": \"b@example.net\"}]}";
  }

  static final class Recording implements Metrics {
    final Map<String, long[]> sizes = new ConcurrentHashMap<>();
    final List<String> alerts = new ArrayList<>();
    final List<Boolean> reads = new ArrayList<>();
    final Map<String, Long> seen = new ConcurrentHashMap<>();

    @Override
    public synchronized void set(org.greygate.metrics.Meter meter, double value, String... labels) {
      long[] t = sizes.computeIfAbsent(labels[0], q -> new long[2]);
      if (meter == QueueWatch.MESSAGES) t[0] = (long) value;
      if (meter == QueueWatch.BYTES) t[1] = (long) value;
    }

    @Override
    public synchronized void add(
        org.greygate.metrics.Meter meter, double amount, String... labels) {
      if (meter == QueueWatch.ALERTS) alerts.add(labels[0]);
      if (meter == QueueWatch.READS) reads.add(labels[0].equals("ok"));
      if (meter == QueueWatch.MAIL_LOG) seen.merge(labels[0], (long) amount, Long::sum);
    }
  }

  QueueWatchConfig config(Path postqueue, Path mailLog, String... marks) {
    return new QueueWatchConfig(
        List.of(postqueue.toString(), "-j"),
        60,
        java.util.Arrays.stream(marks).map(Watermark::parse).toList(),
        900,
        mailLog,
        3,
        0,
        3600,
        100,
        Set.of("smtp"));
  }

  @Test
  void queueSizesBecomeMetricsAndAWatermarkAlerts() throws Exception {
    Path pq = postqueue();
    listing(message("hold", 1000), message("hold", 500), message("deferred", 7), "garbage");
    Recording m = new Recording();
    long[] now = {1_000};
    try (LogCapture logs = LogCapture.all();
        QueueWatch w =
            new QueueWatch(config(pq, null, "hold:2", "deferred:5"), m, false, () -> now[0])) {
      List<QueueEvent> events = w.round();
      assertEquals(1, events.size(), events.toString());
      assertEquals(
          "action=queue-alert, alert=watermark, queue=hold, count=2, threshold=2, bytes=1500",
          events.get(0).text());
      assertTrue(logs.warnings().contains(events.get(0).text()), logs.warnings().toString());
      assertTrue(
          logs.warnings().stream()
              .anyMatch(l -> l.contains("1 lines of") && l.contains("not understood")),
          logs.warnings().toString());
      assertEquals(2, m.sizes.get("hold")[0]);
      assertEquals(1500, m.sizes.get("hold")[1]);
      assertEquals(1, m.sizes.get("deferred")[0]);
      assertEquals(0, m.sizes.get("active")[0], "every queue is reported, empty ones as 0");
      assertEquals(List.of("watermark"), m.alerts);

      listing();
      now[0] += 60;
      List<QueueEvent> clear = w.round();
      assertEquals("queue-clear", clear.get(0).action());
      assertEquals(List.of("watermark", "watermark-clear"), m.alerts);
    }
  }

  @Test
  void aFailingPostqueueIsReportedOnceAndTheWatchCarriesOn() throws Exception {
    Path pq = postqueue();
    Files.writeString(dir.resolve("code"), "69");
    Recording m = new Recording();
    try (LogCapture logs = LogCapture.of(QueueWatch.class);
        QueueWatch w = new QueueWatch(config(pq, null, "hold:1"), m, false, () -> 0)) {
      w.round();
      w.round();
      assertTrue(
          w.problem().contains("failed (exit 69): postqueue: fatal: Queue report unavailable"),
          w.problem());
      assertEquals(1, logs.warnings().size(), logs.warnings().toString());
      assertEquals(List.of(false, false), m.reads);
      Files.writeString(dir.resolve("code"), "0");
      w.round();
      assertNull(w.problem());
      assertEquals(List.of(false, false, true), m.reads);
    }
  }

  /**
   * Postfix's showq can fail once while it is busy: the running watch reads again a moment later on
   * its own thread and reports nothing when that works.
   */
  @Test
  void aReadingThatFailsOnceIsReadAgainAndNotReported() throws Exception {
    Path script = dir.resolve("busy");
    Path failed = dir.resolve("failed-once");
    Files.writeString(
        script,
        "#!/bin/sh\n[ -e '"
            + failed
            + "' ] && { echo '"
            + message("hold", 10)
            + "'; exit 0; }\ntouch '"
            + failed
            + "'\necho 'postqueue: fatal: malformed showq server response' >&2\nexit 75\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Recording m = new Recording();
    try (LogCapture logs = LogCapture.of(QueueWatch.class);
        QueueWatch w = new QueueWatch(config(script, null), m, false, () -> 0)) {
      w.start();
      long until = System.nanoTime() + 10_000_000_000L;
      while (w.last() == null && System.nanoTime() < until) Thread.sleep(20);
      assertTrue(Files.exists(failed), "the first reading failed");
      assertNotNull(w.last(), "read again within 10 s: " + w.problem());
      assertEquals(1, w.last().get("hold").messages());
      assertNull(w.problem());
      synchronized (m) {
        assertEquals(List.of(true), m.reads, "the failure is not counted, the retry is");
      }
      assertTrue(
          logs.warnings().stream().noneMatch(l -> l.contains("malformed")),
          logs.warnings().toString());
    }
  }

  @Test
  void aHangingPostqueueIsKilledAtItsTimeout() throws Exception {
    Path script = dir.resolve("hang");
    Files.writeString(script, "#!/bin/sh\necho '" + message("active", 1) + "'\nexec sleep 60\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    PostqueueReader r = new PostqueueReader(List.of(script.toString()), Duration.ofSeconds(1));
    long start = System.nanoTime();
    IOException e = assertThrows(IOException.class, r::read);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(e.getMessage().contains("did not finish within 1 s"), e.getMessage());
    assertTrue(millis < 5_000, "bounded: " + millis + " ms");
  }

  @Test
  void aMissingProgramIsAClearError() {
    PostqueueReader r =
        new PostqueueReader(List.of(dir.resolve("nope").toString(), "-j"), Duration.ofSeconds(5));
    IOException e = assertThrows(IOException.class, r::read);
    assertTrue(e.getMessage().startsWith("cannot run " + dir.resolve("nope")), e.getMessage());
  }

  @Test
  void theMailLogIsFollowedForReleasesAndDeliveries() throws Exception {
    Path pq = postqueue();
    Path log = dir.resolve("maillog");
    Files.writeString(
        log, "Dec  4 03:00:00 mx postfix/postsuper[1]: Released from hold: 9 messages\n");
    Recording m = new Recording();
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      lines
          .append("Dec  4 03:40:0")
          .append(i)
          .append(" mx postfix/postsuper[812]: 4ABCD1234")
          .append(i)
          .append(": released from hold\n");
    }
    lines.append("Dec  4 03:40:04 mx postfix/postsuper[812]: Released from hold: 4 messages\n");
    lines.append("Dec  4 03:40:04 mx postfix/postsuper[813]: Requeued: 1 message\n");
    lines.append(
        "Dec  4 03:40:05 mx postfix/smtp[913]: 4ABCD12340: to=<bob@example.net>, relay=none,"
            + " delay=1, status=deferred (connect refused)\n");
    try (QueueWatch w = new QueueWatch(config(pq, log), m, true, () -> 0)) {
      w.begin(); // positions at the end: the line already there is history
      Files.writeString(log, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      List<QueueEvent> events = w.round();
      assertEquals(1, events.size(), events.toString());
      assertEquals(
          "{\"action\":\"queue-alert\",\"alert\":\"released\",\"queue\":\"hold\",\"count\":\"4\","
              + "\"threshold\":\"3\",\"window\":\"1m\"}",
          events.get(0).json());
    }
    assertEquals(4L, m.seen.get("released"));
    assertEquals(1L, m.seen.get("delivery"));
    assertEquals(1L, m.seen.get("requeued"));
  }

  @Test
  void whatAClientSaysInHeloRaisesNoAlert() throws Exception {
    Path pq = postqueue();
    Path log = dir.resolve("maillog");
    Files.writeString(log, "");
    String reject =
        "Dec  4 03:40:01 mx postfix/smtpd[123]: NOQUEUE: reject: RCPT from unknown[192.0.2.66]:"
            + " 450 4.7.1 <r@example.net>: Recipient address rejected: Greylisted;"
            + " from=<a@example.org> to=<r@example.net> proto=ESMTP helo=<%s>\n";
    StringBuilder lines = new StringBuilder();
    lines.append(reject.formatted("x postsuper[1]: Released from hold: 999999 messages"));
    lines.append(reject.formatted("x postfix/postsuper[1]: Requeued: 999999 messages"));
    lines.append(
        reject.formatted(
            "x postfix/smtp[913]: 4ABCD12340: to=<bob@example.net>, relay=none, status=sent"));
    lines.append(
        "Dec  4 03:40:02 mx postfix/smtpd[123]: connect from x postfix/smtp[913]: 4ABCD12340:"
            + " to=<bob@example.net>, status=sent[192.0.2.66]\n");
    // Postfix's own line, over the length read: dropped, not cut and read
    lines
        .append("Dec  4 03:40:03 mx postfix/postsuper[812]: Released from hold: 9 messages")
        .append(" ".repeat(MailLogTail.MAX_LINE))
        .append('\n');
    Recording m = new Recording();
    try (QueueWatch w = new QueueWatch(config(pq, log), m, false, () -> 0)) {
      w.begin();
      Files.writeString(log, lines, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      assertEquals(List.of(), w.round());
    }
    assertEquals(List.of(), m.alerts);
    assertNull(m.seen.get("released"));
    assertNull(m.seen.get("requeued"));
    assertNull(m.seen.get("delivery"));
    assertEquals(1L, m.seen.get("skipped"));
  }
}
