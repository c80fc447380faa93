package org.greygate.queue.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.greygate.metrics.Metrics;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PostfixInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The spool watch over a real Postfix (a private instance in a temp dir, never the host's): each
 * attack a local root shell makes on the queue raises its named alert within 10 s, and Postfix's
 * own work on 500+ messages (deliveries, deferrals, holds, releases, requeues, bounces, maildrop
 * submissions, a reload) raises none, through {@code greygate queue-watch --spool-watch}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpoolWatchIT {
  PostfixInstance postfix;
  SpoolWatch watch;
  final LinkedBlockingQueue<Finding> seen = new LinkedBlockingQueue<>();
  final List<Path> planted = new ArrayList<>();

  @BeforeAll
  void startPostfix() throws Exception {
    postfix = new PostfixInstance();
    postfix.start(
        List.of(
            "relay_domains = defer.test nx.test",
            "transport_maps = inline:{defer.test=smtp:[127.0.0.1]:1}",
            "smtpd_recipient_restrictions = check_recipient_access"
                + " inline:{hold@example.test=HOLD}, reject_unauth_destination",
            "smtp_connect_timeout = 2s",
            "queue_run_delay = 2s",
            "minimal_backoff_time = 2s",
            "maximal_backoff_time = 4s"));
  }

  @AfterAll
  void stopPostfix() throws Exception {
    if (postfix != null) postfix.close();
  }

  Path queue() {
    return postfix.root.resolve("queue");
  }

  SpoolConfig config() {
    return new SpoolConfig(queue(), "postfix", "postdrop");
  }

  void watch() throws Exception {
    watch = new SpoolWatch(config(), Metrics.NONE, false, Clock.systemUTC());
    seen.clear();
    watch.onFinding(seen::add);
    watch.start();
  }

  @AfterEach
  void stopWatch() throws Exception {
    if (watch != null) watch.close();
    for (Path p : planted) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
      } else {
        Files.deleteIfExists(p);
      }
    }
    planted.clear();
  }

  /** The finding of {@code kind} about {@code file} (relative to the queue directory), in 10 s. */
  Finding await(String kind, String file) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<Finding> other = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      Finding f = seen.poll(100, TimeUnit.MILLISECONDS);
      if (f == null) continue;
      if (f.kind().equals(kind) && f.text().contains("=" + file + ",")
          || f.kind().equals(kind) && f.text().endsWith("=" + file)) return f;
      other.add(f);
    }
    return fail("no " + kind + " alert for " + file + " within 10 s; saw " + other);
  }

  static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " failed:\n" + out);
    }
  }

  Path plant(String rel) {
    Path p = queue().resolve(rel);
    planted.add(p);
    return p;
  }

  // ---- the attacks, each with its alert

  @Test
  void aFileOwnedByNobodyPlantedInHold() throws Exception {
    watch();
    Path p = plant("hold/ABCDE31337");
    Files.writeString(p, "planted\n");
    run("chown", "nobody", p.toString());
    run("chmod", "0700", p.toString());
    Finding f = await("owner", "hold/ABCDE31337");
    assertTrue(f.text().startsWith("action=queue-alert, alert=spool-owner, queue=hold"), f.text());
  }

  @Test
  void aSymlinkInANewHashDirectory() throws Exception {
    watch();
    Path dir = queue().resolve("deferred/6");
    if (!Files.exists(dir)) {
      Files.createDirectory(dir);
      run("chown", "postfix", dir.toString());
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    Path link = plant("deferred/6/63CCE199");
    Files.createSymbolicLink(link, Path.of("/etc/shadow"));
    Finding f = await("type", "deferred/6/63CCE199");
    assertTrue(f.text().endsWith("type=symlink"), f.text());
  }

  /**
   * A site with hash_queue_depth = 2 keeps deferred mail in deferred/6/3/: the second level is a
   * hash directory, not a stray one, and what is planted in it is seen.
   */
  @Test
  void aSymlinkTwoHashLevelsDown() throws Exception {
    watch();
    Path dir = queue().resolve("deferred/6");
    for (Path d : List.of(dir, dir.resolve("3"))) {
      if (!Files.exists(d)) {
        // made as Postfix makes it, then moved in: the watch sees it whole
        Path made = Files.createDirectory(postfix.root.resolve("hash-" + d.getFileName()));
        run("chown", "postfix", made.toString());
        Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwx------"));
        Files.move(made, d, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Path link = plant("deferred/6/3/63CCE1A0");
    Files.createSymbolicLink(link, Path.of("/etc/shadow"));
    List<Finding> all = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Finding link2 = null;
    while (link2 == null && System.nanoTime() < deadline) {
      Finding f = seen.poll(100, TimeUnit.MILLISECONDS);
      if (f == null) continue;
      all.add(f);
      if (f.text().contains("=deferred/6/3/63CCE1A0")) link2 = f;
    }
    assertTrue(link2 != null && link2.text().endsWith("type=symlink"), "seen: " + all);
    for (Finding x : all) {
      assertTrue(!x.text().contains("=deferred/6/3,"), "the hash directory itself: " + x.text());
    }
  }

  @Test
  void aFifoInHold() throws Exception {
    watch();
    Path p = plant("hold/F1F0F1F0");
    run("mkfifo", "-m", "0600", p.toString());
    run("chown", "postfix", p.toString());
    assertTrue(await("type", "hold/F1F0F1F0").text().endsWith("type=fifo"));
  }

  @Test
  void aNameThatIsNoQueueId() throws Exception {
    watch();
    Path p = plant("incoming/payload.sh");
    Files.writeString(p, "#!/bin/sh\n");
    run("chown", "postfix", p.toString());
    assertTrue(await("name", "incoming/payload.sh").text().contains("reason=not-a-queue-id"));
  }

  @Test
  void aMessageWrittenInPlaceInHoldByRoot() throws Exception {
    watch();
    // a queue ID's shape, the owner and mode of a complete queue file: all but how it was made
    Path p = plant("hold/4F628212A6A");
    Files.writeString(p, "C  1234  0  0 0 0\n");
    run("chown", "postfix:postfix", p.toString());
    run("chmod", "0700", p.toString());
    Finding f = await("in-place", "hold/4F628212A6A");
    assertTrue(f.text().contains("inode="), f.text());
  }

  @Test
  void aHeldMessageChangedInPlace() throws Exception {
    watch();
    PostfixInstance.Result r =
        postfix.swaks("--from", "x@example.test", "--to", "hold@example.test");
    assertEquals(0, r.code(), r.output());
    String id = queuedAs(r.output());
    Path p = queue().resolve("hold/" + id);
    planted.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (watch.trackedSize(p) == null && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(Files.size(p), watch.trackedSize(p), "the watch has seen it complete");
    Files.writeString(p, "X  evil\n", StandardOpenOption.APPEND);
    Finding f = await("modified", "hold/" + id);
    assertTrue(f.text().contains("was="), f.text());
  }

  @Test
  void aModeChangeOfDeferred() throws Exception {
    watch();
    Path d = plant("deferred");
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
    Finding f = await("directory", "deferred");
    assertTrue(f.text().contains("mode=0777, expected=postfix 0700"), f.text());
  }

  @Test
  void aFilePlantedBeforeTheWatchStartsIsFoundByTheFirstScan() throws Exception {
    Path p = plant("hold/ABCDE99");
    Files.createSymbolicLink(p, Path.of("/etc/shadow"));
    watch();
    assertTrue(await("type", "hold/ABCDE99").text().endsWith("type=symlink"));
  }

  @Test
  void eventsLostToAnOverflowAreFoundByAScan() throws Exception {
    Path root = Files.createTempDirectory(postfix.root, "spool");
    for (String q : SpoolRules.WATCHED) Files.createDirectory(root.resolve(q));
    SpoolWatch w =
        new SpoolWatch(
            new SpoolConfig(root, "root", "root"), Metrics.NONE, false, Clock.systemUTC());
    java.util.Set<String> named = java.util.concurrent.ConcurrentHashMap.newKeySet();
    w.onFinding(
        f -> {
          if (f.kind().equals("name")) named.add(f.fields().get(1));
        });
    try (w) {
      w.start();
      // the watch's thread waits while 2000 events pile up on one directory: the JDK keeps 512
      synchronized (w) {
        for (int i = 0; i < 1000; i++) Files.writeString(root.resolve("incoming/x" + i), "");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (named.size() < 1000 && System.nanoTime() < deadline) Thread.sleep(50);
      assertEquals(1000, named.size(), "every planted file is found");
    }
  }

  @Test
  void checkPermsReportsWhatTheWatchWould() throws Exception {
    Cli missing = new Cli();
    assertEquals(
        1, missing.run("queue", "check-perms", "--queue-directory=" + postfix.root.resolve("no")));
    assertTrue(missing.err.toString().contains("is not a directory"), missing.err.toString());
    Cli clean = new Cli();
    int code = clean.run("queue", "check-perms", "--queue-directory=" + queue());
    assertEquals(0, code, clean.out + "" + clean.err);
    assertTrue(clean.out.toString().contains("no findings"), clean.out.toString());
    Path p = plant("hold/ABCDE1");
    Files.createSymbolicLink(p, Path.of("/etc/passwd"));
    Cli dirty = new Cli();
    assertEquals(1, dirty.run("queue", "check-perms", "--queue-directory=" + queue()));
    assertTrue(
        dirty
            .out
            .toString()
            .contains(
                "action=queue-alert, alert=spool-type, queue=hold, file=hold/ABCDE1,"
                    + " type=symlink"),
        dirty.out.toString());
  }

  @Test
  void theDaemonWatchesTheSpool() throws Exception {
    Path etc = postfix.etc();
    try (Daemon refused =
        Daemon.launch(
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + postfix.root.resolve("db0"),
            "--spool-watch")) {
      assertEquals(2, refused.waitFor(30), refused.output());
      assertTrue(refused.output().contains("--spool-watch needs --queue-watch"), refused.output());
    }
    try (Daemon greygate =
        Daemon.serve(
            "--inet=127.0.0.1:0",
            "--dbdir=" + postfix.root.resolve("db"),
            "--metrics=127.0.0.1:0",
            "--log-format=json",
            "--queue-watch",
            "--postfix-config-dir=" + etc,
            "--spool-watch",
            "--queue-directory=" + queue(),
            "--spool-owner=postfix",
            "--spool-group=postdrop")) {
      greygate.awaitLine("spool watch: " + queue(), 20);
      Path p = plant("hold/ABCDE77");
      Files.writeString(p, "x");
      String line = greygate.awaitLine("\"alert\":\"spool-owner\"", 10);
      assertTrue(
          line.contains(
              "{\"action\":\"queue-alert\",\"alert\":\"spool-owner\",\"queue\":\"hold\","
                  + "\"file\":\"hold/ABCDE77\",\"owner\":\"root:root\",\"expected\":\"postfix\"}"),
          line);
      java.util.regex.Matcher m =
          Pattern.compile("metrics on (http://[^ ]+/metrics)")
              .matcher(greygate.awaitLine("metrics on http://", 5));
      assertTrue(m.find());
      String metrics =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1))).build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(metrics.contains("greygate_spool_alerts_total{kind=\"owner\"} 1.0"), metrics);
    }
  }

  // ---- Postfix's own work: no alert

  @Test
  void postfixAtWorkRaisesNoAlert() throws Exception {
    Path etc = postfix.etc();
    Daemon greygate =
        Daemon.launch(
            "queue-watch",
            "--spool-watch",
            "--queue-directory=" + queue(),
            "--postfix-config-dir=" + etc,
            "--queue-interval=5s");
    try {
      greygate.awaitLine("spool watch: " + queue(), 20);
      int n = 0;
      for (int c = 0; c < 5; c++) {
        n += session(110, c);
        if (c == 1) {
          postsuper("-h", "ALL", "deferred");
          postsuper("-H", "ALL");
        }
        if (c == 2) {
          postsuper("-r", "ALL");
          // from here on, long queue IDs (4jjPtS3Zv2zJMZY): both forms are seen
          run("/usr/sbin/postconf", "-c", etc.toString(), "-e", "enable_long_queue_ids = yes");
          run(postfix.postfix, "-c", etc.toString(), "reload");
        }
        if (c == 3) {
          for (int i = 0; i < 10; i++) sendmail("x@example.test");
          run("/usr/sbin/postqueue", "-c", etc.toString(), "-f");
        }
      }
      assertTrue(n >= 500, n + " messages");
      postsuper("-h", "ALL");
      postsuper("-H", "ALL");
      postsuper("-r", "ALL");
      run("/usr/sbin/postqueue", "-c", etc.toString(), "-f");
      Thread.sleep(8000); // retries, the requeued mail picked up, bounces delivered
      String log = postfix.log();
      assertTrue(count(log, "status=sent") >= 300, "delivered: " + count(log, "status=sent"));
      assertTrue(
          count(log, "status=deferred") >= 100, "deferred: " + count(log, "status=deferred"));
      assertTrue(count(log, "status=bounced") >= 20, "bounced: " + count(log, "status=bounced"));
      assertTrue(count(log, "triggers HOLD action") >= 50, "held: " + count(log, "HOLD action"));
      assertTrue(
          count(log, "Released from hold") >= 2 && count(log, "Requeued") >= 2,
          "released and requeued");
      assertTrue(
          Pattern.compile(": [0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10}z[0-9A-Za-z]+: ")
              .matcher(log)
              .find(),
          "long queue IDs after the reload");
      List<String> alerts =
          Stream.of(greygate.output().split("\n")).filter(l -> l.contains("alert=spool-")).toList();
      assertEquals(List.of(), alerts, "Postfix's own work raised alerts");
      // and the watch in that process is alive: a planted file is reported
      Path p = plant("active/ABCDE42");
      Files.writeString(p, "x");
      greygate.awaitLine("alert=spool-owner, queue=active, file=active/ABCDE42", 10);
    } finally {
      greygate.close();
    }
  }

  static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
    return n;
  }

  void postsuper(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("/usr/sbin/postsuper", "-c", postfix.etc().toString()));
    cmd.addAll(List.of(args));
    run(cmd.toArray(String[]::new));
  }

  void sendmail(String to) throws Exception {
    Process p =
        new ProcessBuilder(
                "/usr/sbin/sendmail", "-C", postfix.etc().toString(), "-f", "x@example.test", to)
            .redirectErrorStream(true)
            .start();
    try (OutputStream o = p.getOutputStream()) {
      o.write("Subject: by sendmail\n\nhello\n".getBytes(StandardCharsets.US_ASCII));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) fail("sendmail: " + out);
  }

  /** {@code count} messages over one SMTP session: delivered, deferred, held and bounced. */
  int session(int count, int c) throws Exception {
    try (Socket s = new Socket("127.0.0.1", postfix.smtpPort())) {
      s.setSoTimeout(30_000);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = s.getOutputStream();
      reply(in, "220");
      say(out, "EHLO client.example.test");
      reply(in, "250");
      int sent = 0;
      for (int i = 0; i < count; i++) {
        String to =
            i % 5 == 0
                ? "d" + i + "@defer.test"
                : i % 7 == 0
                    ? "hold@example.test"
                    : i % 11 == 0 ? "b" + i + "@nx.test" : "x@example.test";
        say(out, "MAIL FROM:<x@example.test>");
        reply(in, "250");
        say(out, "RCPT TO:<" + to + ">");
        reply(in, "250");
        say(out, "DATA");
        reply(in, "354");
        say(out, "Subject: " + c + "/" + i + "\r\n\r\nbody " + i + "\r\n.");
        reply(in, "250");
        sent++;
      }
      say(out, "QUIT");
      return sent;
    }
  }

  static void say(OutputStream out, String line) throws Exception {
    out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  static void reply(BufferedReader in, String code) throws Exception {
    String line;
    do {
      line = in.readLine();
      if (line == null) fail("connection closed, expecting " + code);
    } while (line.length() > 3 && line.charAt(3) == '-');
    if (!line.startsWith(code)) fail("expected " + code + ", got: " + line);
  }

  static String queuedAs(String swaks) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("queued as ([0-9A-Za-z]+)").matcher(swaks);
    if (!m.find()) fail("not queued:\n" + swaks);
    return m.group(1);
  }
}
