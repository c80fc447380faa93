package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisServer;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two greygate daemons (two "MX hosts": two processes, two dbdirs) on one real Redis behave as one
 * greylist, and keep answering while Redis goes away and comes back.
 */
class SharedStoreIT {
  static final String FAIL_OPEN = Daemon.FAIL_OPEN;

  @TempDir Path dir;
  RedisServer redis;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.launch();
  }

  @AfterEach
  void stopRedis() throws Exception {
    if (redis != null) redis.close();
  }

  Daemon mx(String name, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve(name),
                "--store=" + redis.uri(),
                "--delay=2",
                "--reply-timeout=500",
                "--auto-whitelist-clients=1"));
    // fail-open answers told from real DUNNOs, unless the test chooses its own
    if (Arrays.stream(more).noneMatch(a -> a.startsWith("--store-failure-action"))) {
      args.add(Daemon.FAIL_OPEN_OPTION);
    }
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> request(String client, String recipient) {
    Map<String, String> m = TestPolicy.rcpt(recipient);
    m.put("client_address", client);
    return m;
  }

  /**
   * Counting a shared store walks every key (SCAN and MGET: about 2.2 s of Redis CPU per million
   * keys measured), for every host's every stats line: the line leaves the count out instead.
   */
  @Test
  void theStatsLineDoesNotWalkTheSharedStore() throws Exception {
    try (Daemon a = mx("a", "--stats-interval=1");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("192.0.2.1", "u@example.net")).startsWith("DEFER_IF_PERMIT"));
      a.awaitLineAfter(a.mark(), "stats: requests=1", 10);
      String before = scans();
      String line = a.awaitLineAfter(a.mark(), "stats: requests=1", 10);
      assertTrue(line.contains(" pending_writes=") && !line.contains("triplets="), line);
      assertEquals(before, scans(), "a stats line walked the keys");
    }
  }

  /** The SCAN calls Redis has answered so far. */
  String scans() throws Exception {
    for (String l : redis.text("INFO", "commandstats").split("\r?\n")) {
      if (l.startsWith("cmdstat_scan:")) return l.substring(0, l.indexOf(','));
    }
    return "none";
  }

  @Test
  void aTripletGreylistedOnOneMxPassesOnTheOtherAndTheAwlIsShared() throws Exception {
    try (Daemon a = mx("a");
        Daemon b = mx("b");
        PolicyClient toA = PolicyClient.tcp(a.port());
        PolicyClient toB = PolicyClient.tcp(b.port())) {
      assertTrue(toA.ask(request("192.0.2.1", "u@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(
          toB.ask(request("192.0.2.1", "u@example.net")).startsWith("DEFER_IF_PERMIT"),
          "early retry on the other MX: still greylisted, the delay counts from the first");
      Thread.sleep(2200);
      String pass = toB.ask(request("192.0.2.1", "u@example.net"));
      assertTrue(pass.startsWith("PREPEND X-Greylist: delayed "), pass);
      // one pass made the client auto-whitelisted (--auto-whitelist-clients=1), for both
      String awl = toA.ask(request("192.0.2.1", "other@example.net"));
      assertEquals("DUNNO", awl);
      assertTrue(a.awaitLine("reason=client AWL", 5).contains("client_address=192.0.2.1"));
    }
    // both daemons stopped (their counters written): the report reads the whole site. The second
    // greylisting counts as new when it fell in the first's second, else as an early retry (as on
    // LMDB); either way two, one from each host
    org.greygate.testing.Cli cli = new org.greygate.testing.Cli();
    assertEquals(
        0, cli.run("report", "--store=" + redis.uri(), "--format=csv"), cli.err.toString());
    String csv = cli.out.toString();
    List<String> columns = List.of(csv.lines().findFirst().orElseThrow().split(","));
    java.util.function.ToLongFunction<String> sum =
        column ->
            csv.lines()
                .skip(1)
                .mapToLong(l -> Long.parseLong(l.split(",")[columns.indexOf(column)]))
                .sum();
    assertEquals(2, sum.applyAsLong("greylisted"), csv);
    assertEquals(1, sum.applyAsLong("passed_known") + sum.applyAsLong("passed_late"), csv);
    assertEquals(1, sum.applyAsLong("auto_whitelisted"), csv);
  }

  @Test
  void decisionsGoThroughConnectionsOnTheServersOwnEventLoops() throws Exception {
    try (Daemon a = mx("a", "--io-threads=2")) {
      try (PolicyClient c1 = PolicyClient.tcp(a.port());
          PolicyClient c2 = PolicyClient.tcp(a.port())) {
        for (int i = 0; i < 10; i++) {
          assertTrue(c1.ask(request("192.0.2." + i, "l@example.net")).startsWith("DEFER"));
          assertTrue(c2.ask(request("192.0.2." + i, "m@example.net")).startsWith("DEFER"));
        }
      }
      List<String> clients = redis.text("CLIENT", "LIST").lines().toList();
      List<String> loops = clients.stream().filter(l -> l.contains(" name=greygate-loop")).toList();
      assertEquals(2, loops.size(), String.join("\n", clients));
      assertEquals(
          1, clients.stream().filter(l -> l.contains(" name=greygate ")).count(), "the shared one");
      // two connections from the policy client land on the two loops: both sent decisions
      assertTrue(
          loops.stream().allMatch(l -> l.contains("cmd=evalsha")), String.join("\n", clients));
      a.signal("TERM");
      assertEquals(143, a.waitFor(10));
      assertTrue(
          a.output()
              .lines()
              .filter(l -> !l.contains("running as root"))
              .noneMatch(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("Exception")),
          a.output());
    }
    assertEquals(1, redis.text("CLIENT", "LIST").lines().count(), "all closed at stop");
  }

  @Test
  void manyConnectionsOnBothMxOnOneTripletGiveExactlyOneFirstPass() throws Exception {
    try (Daemon a = mx("a");
        Daemon b = mx("b")) {
      try (PolicyClient c = PolicyClient.tcp(a.port())) {
        assertTrue(c.ask(request("198.51.100.7", "v@example.net")).startsWith("DEFER"));
      }
      Thread.sleep(2200);
      List<String> answers = Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int port = t % 2 == 0 ? a.port() : b.port();
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try (PolicyClient c = PolicyClient.tcp(port)) {
                    go.await();
                    for (int i = 0; i < 10; i++) {
                      Map<String, String> m = request("198.51.100.7", "v@example.net");
                      m.put("instance", "i" + id + "-" + i);
                      answers.add(c.ask(m));
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                });
        th.start();
        threads.add(th);
      }
      go.countDown();
      for (Thread th : threads) th.join(30_000);
      assertEquals(List.of(), failures);
      assertEquals(80, answers.size());
      long prepends = answers.stream().filter(s -> s.startsWith("PREPEND")).count();
      assertEquals(1, prepends, answers.toString());
      assertTrue(
          answers.stream().allMatch(s -> s.startsWith("PREPEND") || s.equals("DUNNO")),
          answers.toString());
    }
  }

  @Test
  void redisKilledMeansFailOpenWithinTheDeadlineThenServiceResumes() throws Exception {
    try (Daemon a = mx("a");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("203.0.113.9", "w@example.net")).startsWith("DEFER"));
      redis.kill();
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        String answer = c.ask(request("203.0.113.9", "x" + i + "@example.net"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(FAIL_OPEN, answer, "fail-open while Redis is away");
        assertTrue(millis < 1500, "answered within the deadline: " + millis + " ms");
      }
      String line = a.awaitLine("reason=fail-open", 5);
      assertTrue(line.contains("store unavailable"), line);
      redis.start(); // same port; state is gone (no persistence here), service is not
      long deadline = System.nanoTime() + 20_000_000_000L;
      String answer = "";
      while (System.nanoTime() < deadline) {
        answer = c.ask(request("203.0.113.9", "later@example.net"));
        if (answer.startsWith("DEFER")) break;
        Thread.sleep(200);
      }
      assertTrue(
          answer.startsWith("DEFER_IF_PERMIT"),
          "greylisting again after Redis came back: "
              + answer
              + "\n"
              + String.join(
                  "\n", a.output().lines().filter(l -> !l.contains("reason=fail-open")).toList()));
    }
  }

  @Test
  void aStalledRedisCostsAtMostTheReplyTimeoutAndHealthSaysWhy() throws Exception {
    redis.close();
    redis = RedisServer.launch("--enable-debug-command", "yes");
    try (Daemon a = mx("a", "--metrics=127.0.0.1:0");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("203.0.113.20", "s@example.net")).startsWith("DEFER"));
      // DEBUG SLEEP blocks Redis itself: connected, but no answer for 3 s
      Thread stall =
          new Thread(
              () -> {
                try {
                  redis.command("DEBUG", "SLEEP", "3");
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      stall.start();
      Thread.sleep(200);
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        String answer = c.ask(request("203.0.113.20", "stalled" + i + "@example.net"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(FAIL_OPEN, answer);
        assertTrue(millis < 900, "at the 500 ms reply deadline, not Redis's 3 s: " + millis);
      }
      stall.join();
      redis.kill();
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("metrics on (http://[^ ]+)/metrics")
              .matcher(a.awaitLine("metrics on http://", 5));
      assertTrue(m.find());
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      java.net.http.HttpResponse<String> health = null;
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < deadline) {
        c.ask(request("203.0.113.20", "down@example.net"));
        health =
            http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1) + "/health"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (health.statusCode() == 503) break;
        Thread.sleep(200);
      }
      assertEquals(503, health.statusCode(), health.body());
      assertTrue(health.body().contains("redis://127.0.0.1:" + redis.port), health.body());
    }
  }

  @Test
  void hostsWithDifferentPrivacyKeysAreRefusedNotSilentlyApart() throws Exception {
    try (Daemon a = mx("a", "--privacy");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("192.0.2.77", "p@example.net")).startsWith("DEFER"));
      Daemon other =
          Daemon.launch(
              "serve",
              "--inet=127.0.0.1:0",
              "--dbdir=" + dir.resolve("b"),
              "--store=" + redis.uri(),
              "--privacy");
      assertEquals(1, other.waitFor(30), other.output());
      assertTrue(
          other.output().contains("every host must use --privacy alike and the same privacy.key"),
          other.output());
      Daemon plain =
          Daemon.launch(
              "serve",
              "--inet=127.0.0.1:0",
              "--dbdir=" + dir.resolve("c"),
              "--store=" + redis.uri());
      assertEquals(1, plain.waitFor(30), plain.output());
      assertTrue(plain.output().contains("this host makes them without --privacy"), plain.output());
      // the same key copied over: one greylist again
      Files.createDirectories(dir.resolve("d"));
      Files.copy(dir.resolve("a/privacy.key"), dir.resolve("d/privacy.key"));
      Thread.sleep(2200);
      try (Daemon d = mx("d", "--privacy");
          PolicyClient toD = PolicyClient.tcp(d.port())) {
        assertTrue(toD.ask(request("192.0.2.77", "p@example.net")).startsWith("PREPEND"));
      }
    }
  }

  @Test
  void aWrongPasswordIsAClearErrorAtStart() throws Exception {
    redis.close();
    redis = RedisServer.launch("--requirepass", "s3cret");
    Path secret = dir.resolve("redis.password");
    Files.writeString(secret, "wrong\n");
    Daemon d =
        Daemon.launch(
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve("a"),
            "--store=" + redis.uri(),
            "--redis-password-file=" + secret);
    assertEquals(1, d.waitFor(30));
    assertTrue(d.output().contains("wrong user name or password"), d.output());
    assertTrue(!d.output().contains("wrong\n") && !d.output().contains("s3cret"), d.output());

    Files.writeString(secret, "s3cret\n");
    try (Daemon ok = mx("b", "--redis-password-file=" + secret);
        PolicyClient c = PolicyClient.tcp(ok.port())) {
      assertTrue(c.ask(request("192.0.2.50", "y@example.net")).startsWith("DEFER"));
    }
  }

  @Test
  void aKeyPrefixAndAFailureActionOfTheAdminsChoice() throws Exception {
    try (Daemon a =
            mx("a", "--redis-prefix=mx-a:", "--store-failure-action=DEFER_IF_PERMIT store away");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("203.0.113.9", "w@example.net")).startsWith("DEFER_IF_PERMIT"));
      // --redis-prefix: every key under the given prefix, none under the default one
      assertTrue(!redis.command("KEYS", "mx-a:*").equals("*0"), redis.command("KEYS", "*"));
      assertEquals("*0", redis.command("KEYS", "greygate:*"));
      // --store-failure-action: the answer while the store is away (default: DUNNO)
      redis.kill();
      assertEquals("DEFER_IF_PERMIT store away", c.ask(request("203.0.113.9", "x@example.net")));
    }
  }
}
