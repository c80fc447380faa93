package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.WebhookReceiver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options of {@code serve} that no other test runs through the daemon, each set to a value
 * other than its default on a running {@code greygate serve} and watched from outside: the answers
 * on its sockets, its log, its files, its exit code. Related options share a daemon, so that the
 * whole class costs a handful of starts. {@code ServeOptionsCoverageTest} holds the table of which
 * test exercises which option.
 */
class ServeOptionsIT {
  @TempDir Path dir;

  /** Test times near the real clock: the expiry sweep runs on real time. */
  static final long T = System.currentTimeMillis() / 1000;

  @BeforeEach
  void lists() throws IOException {
    Files.writeString(dir.resolve("clients"), "whitelisted.example\n");
    Files.writeString(dir.resolve("recipients"), "postmaster@\n");
  }

  List<String> base(String db) {
    return new ArrayList<>(
        List.of(
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve(db),
            "--trust-policy-test-time",
            "--whitelist-clients=" + dir.resolve("clients"),
            "--whitelist-recipients=" + dir.resolve("recipients")));
  }

  Daemon serve(String db, String... more) throws Exception {
    List<String> args = base(db);
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> request(String client, String sender, String recipient, long at) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", client);
    m.put("client_name", "mx.sender.example");
    m.put("sender", sender);
    m.put("recipient", recipient);
    m.put("policy_test_time", Long.toString(at));
    return m;
  }

  static Map<String, String> request(String client, long at) {
    return request(client, "a@example.org", "b@example.net", at);
  }

  // ------------------------------------------------------------------ greylisting

  @Test
  void greylistingOptionsShapeTheAnswers() throws Exception {
    try (Daemon d =
            serve(
                "db",
                "--delay=60",
                "--retry-window=2h",
                "--greylist-action=DEFER",
                "--greylist-text=Wait %s s for %r",
                "--x-greylist-header=X-Waited: %t s at %h",
                "--hostname=gate.test",
                "--lookup-by-subnet",
                "--ipv4cidr=16",
                "--ipv6cidr=48");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      // --greylist-action, --greylist-text (%s, %r), --delay
      assertEquals("DEFER Wait 60 s for example.net", c.ask(request("198.51.100.7", T)));
      // --ipv4cidr=16: another /24 of the same /16 is the same client (default /24: new triplet)
      assertEquals("DEFER Wait 30 s for example.net", c.ask(request("198.51.7.7", T + 30)));
      // --delay=60 is over; --x-greylist-header and --hostname shape the header
      String pass = c.ask(request("198.51.100.7", T + 61));
      assertTrue(pass.startsWith("PREPEND X-Waited: 61 s at gate.test"), pass);

      // --retry-window=2h: a first retry three hours later starts over (default: 2 days)
      String late = "late@example.org";
      assertTrue(c.ask(request("203.0.113.5", late, "b@example.net", T)).startsWith("DEFER"));
      assertEquals(
          "DEFER Wait 60 s for example.net",
          c.ask(request("203.0.113.5", late, "b@example.net", T + 3 * 3600)));

      // --ipv6cidr=48: another /64 of the same /48 is the same client (default /64: new)
      assertTrue(c.ask(request("2001:db8:1:1::5", T)).startsWith("DEFER"));
      assertTrue(c.ask(request("2001:db8:1:2::5", T + 61)).startsWith("PREPEND"));

      // --whitelist-clients and --whitelist-recipients
      Map<String, String> listed = request("192.0.2.99", T);
      listed.put("client_name", "mx.whitelisted.example");
      assertEquals("DUNNO", c.ask(listed));
      assertEquals(
          "DUNNO", c.ask(request("192.0.2.98", "x@example.org", "postmaster@example.net", T)));
    }
  }

  @Test
  void hostKeyingAwlPrivacyMaxAgeAndTheSweepOnAQuietDaemon() throws Exception {
    try (Daemon d =
            serve(
                "db",
                "--delay=60",
                "--lookup-by-host",
                "--auto-whitelist-clients=1",
                "--privacy",
                "--max-age=1",
                "--sweep-interval=1",
                "-q");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      // --lookup-by-host: the neighbour in the same /24 is another client
      assertTrue(c.ask(request("198.51.100.7", T)).startsWith("DEFER"));
      assertEquals(
          "DEFER_IF_PERMIT Greylisted, please try again in 60 seconds",
          c.ask(request("198.51.100.8", T + 61)));
      assertTrue(c.ask(request("198.51.100.7", T + 61)).startsWith("PREPEND"));
      // --auto-whitelist-clients=1: one pass whitelists the client (default: 5)
      assertEquals(
          "DUNNO", c.ask(request("198.51.100.7", "new@example.org", "other@example.net", T + 62)));

      // --max-age=1 with --sweep-interval=1: a client last seen three days ago is swept within
      // a second or two (default: 35 days, every hour)
      int mark = d.mark();
      long old = T - 3 * 86_400;
      assertTrue(c.ask(request("192.0.2.50", old)).startsWith("DEFER"));
      assertTrue(c.ask(request("192.0.2.50", old + 61)).startsWith("PREPEND"));
      String swept = d.awaitLineAfter(mark, "rows deleted", 10);
      assertTrue(swept.contains("expiry sweep: "), swept);

      // -q: no line per decision; the start and the sweep are still logged
      assertFalse(d.output().contains("action=greylist"), d.output());
      assertFalse(d.output().contains("action=pass"), d.output());

      // --privacy: the database holds keyed hashes, not the addresses and domains
      try (Daemon dump = Daemon.launch("db", "dump", "--dbdir=" + dir.resolve("db"))) {
        assertEquals(0, dump.waitFor(30), dump.output());
        String rows = dump.output();
        assertTrue(rows.lines().count() >= 3, rows);
        for (String clear : List.of("198.51.100", "example.org", "example.net")) {
          assertFalse(rows.contains(clear), clear + " in the dump:\n" + rows);
        }
      }
    }
  }

  // ------------------------------------------------------------------ sockets and limits

  @Test
  void unixSocketModeEximAllowFromBacklogAndProtocolLimits() throws Exception {
    Path socket = dir.resolve("policy.sock");
    try (Daemon d =
        serve(
            "db",
            "--unix=" + socket,
            "--socketmode=0600",
            "--exim",
            "--allow-from=192.0.2.0/24",
            "--listen-queue-size=7",
            "--max-line-length=200",
            "--max-attributes=12",
            "--max-request-size=400")) {
      // --unix with --socketmode
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
      UnixDomainSocketAddress unix = UnixDomainSocketAddress.of(socket);

      // --exim: the connection is closed after the reply
      try (PolicyClient c = new PolicyClient(unix)) {
        assertTrue(c.ask(request("198.51.100.7", T)).startsWith("DEFER"));
        assertTrue(c.closedByServer(), "closed after the reply");
      }

      // --allow-from: 127.0.0.1 is outside 192.0.2.0/24; the TCP connection is closed unanswered
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        c.send(PolicyClient.encode(request("198.51.100.7", T)));
        assertNull(replyOrNullWhenReset(c));
      }
      d.awaitLine("outside the allowed networks", 10);

      // --listen-queue-size: the kernel's backlog of the listening socket (ss's Send-Q)
      Process ss =
          new ProcessBuilder("ss", "-ltnH", "sport = :" + d.port())
              .redirectErrorStream(true)
              .start();
      String listen = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, ss.waitFor());
      assertTrue(listen.strip().split("\\s+")[2].equals("7"), listen);

      // --max-line-length=200
      Map<String, String> longLine = request("198.51.100.7", T);
      longLine.put("ccert_subject", "x".repeat(250));
      assertRefused(d, unix, longLine, "line longer than 200 bytes");
      // --max-attributes=12 (the request has 7)
      Map<String, String> many = request("198.51.100.7", T);
      for (int i = 0; i < 6; i++) many.put("x" + i, "y");
      assertRefused(d, unix, many, "more than 12 attributes");
      // --max-request-size=400: lines within 200 bytes, 500 bytes in all
      Map<String, String> big = request("198.51.100.7", T);
      big.put("ccert_subject", "s".repeat(150));
      big.put("ccert_issuer", "i".repeat(150));
      assertRefused(d, unix, big, "request larger than 400 bytes");
    }
  }

  /** The reply, or null when the connection was closed or reset before one came. */
  static String replyOrNullWhenReset(PolicyClient c) throws IOException {
    try {
      return c.readReply();
    } catch (java.net.SocketException e) {
      return null; // closed with our request unread: the kernel resets the connection
    }
  }

  static void assertRefused(Daemon d, UnixDomainSocketAddress at, Map<String, String> r, String why)
      throws Exception {
    int mark = d.mark();
    try (PolicyClient c = new PolicyClient(at)) {
      c.send(PolicyClient.encode(r));
      assertNull(replyOrNullWhenReset(c), why);
    }
    d.awaitLineAfter(mark, why, 10);
  }

  @Test
  void maxConnectionsAndIdleTimeout() throws Exception {
    try (Daemon d = serve("db", "--max-connections=2", "--idle-timeout=2");
        PolicyClient one = PolicyClient.tcp(d.port());
        PolicyClient two = PolicyClient.tcp(d.port())) {
      assertTrue(one.ask(request("198.51.100.7", T)).startsWith("DEFER"));
      assertTrue(two.ask(request("198.51.100.8", T)).startsWith("DEFER"));
      // --max-connections=2: a third is closed at once
      try (PolicyClient three = PolicyClient.tcp(d.port())) {
        assertTrue(three.closedByServer(), "the third connection is refused");
      }
      d.awaitLine("connection limit 2 reached", 10);
      // --idle-timeout=2: a silent connection is closed after 2 s (default: 600 s)
      long start = System.nanoTime();
      assertTrue(one.closedByServer(), "closed when idle");
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waited < 8_000, "closed after " + waited + " ms");
      assertTrue(two.closedByServer(), "closed when idle");
    }
  }

  // ------------------------------------------------------------------ logging, config, ignored

  @Test
  void configFileVerboseIgnoredPostgreyOptionsIoThreadsAndCommitInterval() throws Exception {
    Path config = dir.resolve("greygate.conf");
    Files.writeString(
        config,
        String.join(
            "\n",
            "# what an admin keeps in a file",
            "delay=5",
            "greylist-text = \"From the file: %s s\"",
            "commit-interval=500",
            "daemonize",
            "syslog-facility=mail",
            ""));
    try (Daemon d =
            serve(
                "db",
                "--config=" + config,
                "--delay=7", // the command line wins over the file
                "-v",
                "--io-threads=3");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      // --config: the file's text, the command line's delay
      assertEquals("DEFER_IF_PERMIT From the file: 7 s", c.ask(request("198.51.100.7", T)));
      // Postgrey's --daemonize and --syslog-facility: accepted, said to be ignored
      assertTrue(d.output().contains("--daemonize ignored"), d.output());
      assertTrue(d.output().contains("--syslog-facility ignored"), d.output());
      // -v: debug lines; --io-threads=3: three event loops
      assertTrue(d.output().contains(" DEBUG "), d.output());
      assertTrue(d.output().contains(" 3 event loops"), d.output());

      // --commit-interval=500: twenty decisions spread over two seconds make a handful of
      // commits, not one each (LMDB counts its transactions in the meta pages)
      Path data = dir.resolve("db").resolve("data.mdb");
      Thread.sleep(600);
      long before = lastTransaction(data);
      long start = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        assertTrue(c.ask(request("198.51.100." + (10 + i), T)).startsWith("DEFER"));
        Thread.sleep(100);
      }
      long spent = (System.nanoTime() - start) / 1_000_000;
      Thread.sleep(600);
      long commits = lastTransaction(data) - before;
      // one commit per 500 ms at most, and the first and last may fall apart from the rest; at
      // the default 100 ms every one of the twenty would have its own
      assertTrue(
          commits >= 1 && commits <= Math.min(12, spent / 500 + 3),
          commits + " commits for 20 decisions over " + spent + " ms");
    }
  }

  /** LMDB's last committed transaction: the larger id of its two meta pages. */
  static long lastTransaction(Path data) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "r")) {
      long max = 0;
      // page header (16 bytes), then magic, version, address, map size, two db records (48
      // bytes each), last page: the transaction id is at 144; meta page 1 is one page later
      int pageSize = 4096;
      for (long page : new long[] {0, pageSize}) {
        byte[] b = new byte[8];
        f.seek(page + 144);
        f.readFully(b);
        max =
            Math.max(
                max, java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
      }
      return max;
    }
  }

  @Test
  void helpVersionAndStartOnlyExitAtOnce() throws Exception {
    try (Daemon help = Daemon.launch("serve", "--help")) {
      assertEquals(0, help.waitFor(30), help.output());
      assertTrue(help.output().contains("--retry-window"), help.output());
    }
    try (Daemon version = Daemon.launch("serve", "--version")) {
      assertEquals(0, version.waitFor(30), version.output());
      assertTrue(version.output().startsWith("greygate "), version.output());
    }
    List<String> args = new ArrayList<>(List.of("serve", "--start-only"));
    args.addAll(base("db"));
    try (Daemon once = Daemon.launch(args.toArray(String[]::new))) {
      assertEquals(0, once.waitFor(30), once.output());
      assertTrue(once.output().contains("started (--start-only)"), once.output());
    }
  }

  // ------------------------------------------------------------------ the queue watch

  @Test
  void queueWatchOptionsThroughTheDaemon() throws Exception {
    Path listing = dir.resolve("listing");
    Files.writeString(
        listing,
        "{\"queue_name\": \"hold\", \"queue_id\": \"4Qx1\", \"message_size\": 1200,"
            + " \"recipients\": []}\n");
    Path postqueue = dir.resolve("postqueue");
    Files.writeString(
        postqueue,
        "#!/bin/sh\n[ \"$1 $2 $3\" = \"-c /etc/postfix-out -j\" ] || exit 3\ncat '"
            + listing
            + "'\n");
    Files.setPosixFilePermissions(postqueue, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path mailLog = dir.resolve("mail.log");
    Files.writeString(mailLog, "");
    // the response hooks: a webhook on a loopback port, signed, and a program given the alert
    WebhookReceiver soc = new WebhookReceiver();
    Path key = dir.resolve("hook.key");
    Files.writeString(key, "k");
    Path got = dir.resolve("got");
    Path program = dir.resolve("playbook");
    Files.writeString(program, "#!/bin/sh\ncat >> '" + got + "'\n");
    Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));
    try (Daemon d =
        serve(
            "db",
            "--queue-watch",
            "--alert-webhook=" + soc.url(),
            "--alert-webhook-secret=" + key,
            "--alert-command=" + program,
            "--alert-hook-timeout=5s",
            "--postqueue=" + postqueue,
            "--postfix-config-dir=/etc/postfix-out",
            "--queue-interval=1s",
            "--queue-alert=hold:1",
            "--queue-alert-repeat=2s",
            "--mail-log=" + mailLog,
            "--release-alert=2",
            "--volume-alert=2",
            "--volume-baseline=3s",
            "--volume-min=3",
            "--volume-agents=relay")) {
      String started = d.awaitLine("queue watch: ", 10);
      assertTrue(started.contains("every 1s, watermarks [hold:1]"), started);
      assertTrue(started.contains("following " + mailLog), started);
      // --postqueue with --postfix-config-dir (the script insists on -c), --queue-alert
      String alert = d.awaitLine("alert=watermark", 10);
      assertTrue(alert.contains("queue=hold, count=1, threshold=1"), alert);
      // --alert-webhook, --alert-webhook-secret: the alert as JSON, signed with the key
      WebhookReceiver.Call call = soc.next(10, "--alert-webhook");
      assertTrue(call.body().contains("\"alert\":\"watermark\""), call.body());
      call.assertSignedWith("k");
      // --alert-command: the same JSON on the program's stdin
      for (int i = 0; i < 100 && !Files.exists(got); i++) Thread.sleep(50);
      assertTrue(Files.readString(got).startsWith(call.body()), Files.readString(got));
      // --queue-alert-repeat=2s: again while the queue stays past its watermark (default 15m)
      String again = d.awaitLine("since=", 10);
      assertTrue(again.contains("alert=watermark"), again);
      // three rounds of a quiet log make the --volume-baseline=3s baseline (default 1h: 900)
      Thread.sleep(1500);
      String smtp =
          " mx postfix/smtp[913]: 4ABCD12345: to=<bob@example.net>,"
              + " relay=mx.example.net[192.0.2.1]:25, delay=0.4, status=sent (250 2.0.0 Ok)\n";
      String relay = smtp.replace("postfix/smtp[", "postfix/relay[");
      String released = " mx postfix/postsuper[812]: Released from hold: 2 messages\n";
      String stamp = "Dec  4 03:40:02";
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < 4; i++) lines.append(stamp).append(relay);
      for (int i = 0; i < 10; i++) lines.append(stamp).append(smtp);
      lines.append(stamp).append(released);
      Files.writeString(mailLog, lines, StandardOpenOption.APPEND);
      // --release-alert=2 (default 20)
      String release = d.awaitLine("alert=released", 10);
      assertTrue(release.contains("count=2, threshold=2"), release);
      // --volume-agents=relay counts 4, not the 10 of smtp; --volume-min=3 lets 4 alert
      // (default 100); --volume-alert=2 is the factor
      String volume = d.awaitLine("alert=volume", 10);
      assertTrue(volume.contains("count=4"), volume);
      assertTrue(volume.contains("factor=2"), volume);
    } finally {
      soc.close();
    }
  }

  // ------------------------------------------------------------------ bad values

  /** One bad value of one option: serve must exit with {@code code} naming {@code named}. */
  record Bad(String named, int code, List<String> args) {
    Bad(String named, String... args) {
      this(named, GreygateCli.EXIT_USAGE, List.of(args));
    }
  }

  static List<Bad> badValues(Path dir) {
    String file = dir.resolve("no-such-file").toString();
    return List.of(
        new Bad("--dbdir", "--dbdir="),
        new Bad("--store", "--store=bogus"),
        new Bad("--store", "--store=redis://"),
        new Bad("--redis-password-file", "--redis-password-file=" + file),
        new Bad("--redis-prefix", "--redis-prefix=mx1:"),
        new Bad("--redis-prefix", "--store=redis://127.0.0.1:9", "--redis-prefix=a b"),
        new Bad("--redis-tls-ca", "--store=rediss://127.0.0.1:9", "--redis-tls-ca=" + file),
        new Bad("--redis-tls-cert", "--store=rediss://127.0.0.1:9", "--redis-tls-cert=" + file),
        new Bad("--redis-tls-key", "--store=rediss://127.0.0.1:9", "--redis-tls-key=" + file),
        new Bad("--redis-wait-replicas", "--redis-wait-replicas=1"),
        new Bad("--redis-wait-replicas", "--store=redis://127.0.0.1:9", "--redis-wait-replicas=17"),
        new Bad("--redis-wait-replicas", "--store=redis://127.0.0.1:9", "--redis-wait-replicas=-1"),
        new Bad(
            "--redis-wait-timeout",
            "--store=redis://127.0.0.1:9",
            "--redis-wait-replicas=1",
            "--redis-wait-timeout=0"),
        new Bad(
            "--redis-wait-timeout",
            "--store=redis://127.0.0.1:9",
            "--redis-wait-replicas=1",
            "--reply-timeout=2000",
            "--redis-wait-timeout=2000"),
        new Bad("--delay", "--delay=-1"),
        new Bad("--delay", "--delay=soon"),
        new Bad("--delay", "--delay=" + 3 * 86_400),
        new Bad("--max-age", "--max-age=0"),
        new Bad("--max-age", "--max-age=213503982334602"),
        new Bad("--retry-window", "--retry-window=3x"),
        new Bad("--retry-window", "--retry-window=0"),
        new Bad("--retry-window", "--retry-window=106751991167301"),
        new Bad("--greylist-action", "--greylist-action=REJECT"),
        new Bad("--x-greylist-header", "--x-greylist-header=no colon"),
        new Bad("--ipv4cidr", "--ipv4cidr=33"),
        new Bad("--ipv6cidr", "--ipv6cidr=129"),
        new Bad("--auto-whitelist-clients", "--auto-whitelist-clients=-1"),
        new Bad("--hostname", "--hostname= "),
        new Bad(file, "--whitelist-clients=" + file),
        new Bad(file, "--whitelist-recipients=" + file),
        new Bad(file, "--domain-policy=" + file),
        new Bad(file, "--rules=" + file),
        new Bad("--inet", "--inet=127.0.0.1:notaport"),
        new Bad("--socketmode", "--socketmode=999"),
        new Bad("--listen-queue-size", "--listen-queue-size=0"),
        new Bad("--max-connections", "--max-connections=0"),
        new Bad("--idle-timeout", "--idle-timeout=0"),
        new Bad("--idle-timeout", "--idle-timeout=9223372036854775807"),
        new Bad("--max-line-length", "--max-line-length=10"),
        new Bad("--max-attributes", "--max-attributes=1"),
        new Bad("--max-request-size", "--max-request-size=1"),
        new Bad("--dnswl", "--dnswl=wl.example=many"),
        new Bad("--dnsbl", "--dnsbl=.bl.example"),
        new Bad("--dnsbl", "--dnsbl=bl..example"),
        new Bad("--skip-score", "--skip-score=0"),
        new Bad("--greylist-only-listed", "--greylist-only-listed"),
        new Bad("--dns-timeout", "--dnsbl=bl.example", "--dns-timeout=0"),
        new Bad("--dns-server", "--dnsbl=bl.example", "--dns-server=resolver.example"),
        new Bad("--io-threads", "--io-threads=-1"),
        new Bad("--io-threads", "--io-threads=100000"),
        new Bad("--reply-timeout", "--reply-timeout=-1"),
        new Bad("--reply-timeout", "--reply-timeout=9223372036854775807"),
        new Bad("--allow-from", "--allow-from=10.0.0.0/99"),
        new Bad("--metrics", "--metrics=127.0.0.1:x"),
        new Bad("--store-failure-action", "--store-failure-action=MAYBE"),
        new Bad("--sweep-interval", "--sweep-interval=0"),
        new Bad("--stats-interval", "--stats-interval=-1"),
        new Bad("--commit-interval", "--commit-interval=900"),
        new Bad("--group", "--group=nogroup"),
        new Bad("--log-format", "--log-format=xml"),
        new Bad("--config", "--config=" + file),
        new Bad("--queue-interval", "--queue-interval=1m"),
        new Bad("--queue-interval", "--queue-watch", "--queue-interval=0"),
        new Bad("--queue-alert", "--queue-watch", "--queue-alert=outgoing:5"),
        new Bad("--queue-alert-repeat", "--queue-watch", "--queue-alert-repeat=never"),
        new Bad("--postqueue", "--queue-watch", "--postqueue="),
        new Bad("--postfix-config-dir", "--queue-watch", "--postfix-config-dir="),
        new Bad("--release-alert", "--queue-watch", "--release-alert=0"),
        new Bad("--volume-alert", "--queue-watch", "--volume-alert=-1"),
        new Bad("--volume-baseline", "--queue-watch", "--volume-baseline=0"),
        new Bad("--volume-min", "--queue-watch", "--volume-min=0"),
        new Bad("--volume-agents", "--queue-watch", "--volume-agents=smtp;rm"),
        new Bad("--alert-webhook", "--queue-watch", "--alert-webhook=ftp://soc.example/x"),
        new Bad(
            "--alert-webhook-secret",
            "--queue-watch",
            "--alert-webhook=http://127.0.0.1:9/x",
            "--alert-webhook-secret=" + file),
        new Bad("--alert-command", "--alert-command=/bin/true"),
        new Bad("--alert-hook-timeout", "--queue-watch", "--alert-hook-timeout=0"));
  }

  /**
   * Every option that checks its value, each given a bad one on a real {@code serve}: exit 2 and
   * one line that names the option (or the missing file), no stack trace. The starts run four at a
   * time: each is a JVM that stops at its first complaint.
   */
  @Test
  void everyBadValueStopsTheStartNamingTheOptionInOneLine() throws Exception {
    List<Bad> cases = badValues(dir);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (Bad bad : cases) {
        results.add(pool.submit(() -> check(bad)));
      }
      List<String> failures = new ArrayList<>();
      for (Future<String> f : results) {
        String problem = f.get();
        if (problem != null) failures.add(problem);
      }
      assertTrue(failures.isEmpty(), failures.size() + " wrong:\n" + String.join("\n\n", failures));
    } finally {
      pool.shutdownNow();
    }
  }

  /** Null when {@code bad} is refused as it should be; what went wrong otherwise. */
  String check(Bad bad) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--start-only"));
    args.addAll(base("db-" + Math.abs(bad.args().hashCode())));
    // replace a base option the case gives itself
    for (String a : bad.args()) {
      String name = a.contains("=") ? a.substring(0, a.indexOf('=') + 1) : a;
      if (name.endsWith("=")) args.removeIf(b -> b.startsWith(name));
    }
    args.addAll(bad.args());
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // each start stops at its first complaint: no time for the optimizing compiler
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-Dlmdbjava.extract.dir=" + Daemon.jar().toAbsolutePath().getParent(),
                "-jar",
                Daemon.jar().toString()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      // read to the end before the exit code: the last line must not be lost to a race
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) ? p.exitValue() : -1;
      List<String> complaints = out.lines().filter(l -> l.startsWith("greygate: ")).toList();
      String what = bad.args() + " exited " + code + ":\n" + out;
      if (code != bad.code()) return what;
      if (complaints.size() != 1 || !complaints.get(0).contains(bad.named())) return what;
      if (out.contains("\tat ") || out.contains("Exception")) return "a stack trace: " + what;
      return null;
    } finally {
      p.destroyForcibly();
    }
  }
}
