package org.greygate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.greygate.greylist.GreylistConfig;
import org.greygate.metrics.Counters;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.LogCapture;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerIT {
  @TempDir Path dir;
  LmdbStore store;
  PolicyServer server;
  Counters metrics = new Counters();
  ExecutorService deciders = Executors.newFixedThreadPool(4);

  List<SocketAddress> start(
      List<ListenAddress> listen, int maxConnections, Duration idle, boolean exim)
      throws IOException {
    store = LmdbStore.open(dir.resolve("db"));
    ServerOptions o =
        ServerOptions.listening(listen)
            .maxConnections(maxConnections)
            .idleTimeout(idle)
            .closeAfterReply(exim)
            .build();
    server = new PolicyServer(o, TestPolicy.chain(store, GreylistConfig.defaults(), true), metrics);
    return server.start();
  }

  /** 127.0.0.1 on a free port, 10 connections, 60 s idle timeout. */
  static ServerOptions.Builder loopback() {
    return ServerOptions.listening(List.of(new ListenAddress.Inet("127.0.0.1", 0)))
        .maxConnections(10)
        .idleTimeout(Duration.ofSeconds(60));
  }

  PolicyServer server(ServerOptions.Builder options, Decider decider) {
    return new PolicyServer(options.build(), decider, metrics);
  }

  /** {@code decider} behind the daemon's deadline: a chain answering DUNNO at {@code timeout}. */
  Decider deadline(Duration timeout, Decider decider) {
    return TestPolicy.deadline(decider, timeout, metrics);
  }

  List<SocketAddress> start() throws IOException {
    return start(
        List.of(new ListenAddress.Inet("127.0.0.1", 0)), 100, Duration.ofSeconds(60), false);
  }

  @AfterEach
  void stop() {
    if (server != null) server.close();
    if (store != null) store.close();
    deciders.shutdownNow();
  }

  static Map<String, String> request(String rcpt, long time) {
    Map<String, String> m = TestPolicy.rcpt(rcpt);
    m.put("instance", "inst-" + rcpt);
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  @Test
  void manyRequestsOnOneTcpConnection() throws Exception {
    SocketAddress a = start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER_IF_PERMIT Greylisted"));
      assertTrue(c.ask(request("b@example.net", 1100)).startsWith("DEFER_IF_PERMIT"));
      assertTrue(
          c.ask(request("b@example.net", 1300))
              .startsWith("PREPEND X-Greylist: delayed 300 seconds"));
      assertEquals("DUNNO", c.ask(request("b@example.net", 1400)));
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    SocketAddress a = start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      byte[] one = PolicyClient.encode(request("b@example.net", 1000));
      byte[] two = PolicyClient.encode(request("b@example.net", 1300));
      byte[] both = new byte[one.length + two.length];
      System.arraycopy(one, 0, both, 0, one.length);
      System.arraycopy(two, 0, both, one.length, two.length);
      c.send(both);
      assertTrue(c.readReply().startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.readReply().startsWith("PREPEND"));
    }
  }

  @Test
  void pipelinedRequestsOnDecisionThreadsKeepTheirOrder() throws Exception {
    java.util.Random random = new java.util.Random(7);
    server =
        server(
            loopback(),
            TestPolicy.async(
                r -> {
                  java.util.concurrent.locks.LockSupport.parkNanos(
                      java.util.concurrent.ThreadLocalRandom.current().nextInt(200_000));
                  return "DEFER_IF_PERMIT " + r.recipient();
                },
                deciders));
    SocketAddress a = server.start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      for (int round = 0; round < 20; round++) {
        int n = 1 + random.nextInt(60);
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
          burst.write(PolicyClient.encode(request(round + "-" + i + "@example.net", 1000)));
        }
        c.send(burst.toByteArray());
        for (int i = 0; i < n; i++) {
          assertEquals("DEFER_IF_PERMIT " + round + "-" + i + "@example.net", c.readReply());
        }
      }
    }
  }

  @Test
  void aClientThatNeverReadsIsHeldBackNotBuffered() throws Exception {
    String longAnswer = "PREPEND X-Padding: " + "x".repeat(16_000);
    server = server(loopback(), TestPolicy.sync(r -> longAnswer));
    SocketAddress a = server.start().get(0);
    byte[] burst;
    {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) b.write(PolicyClient.encode(request("b@example.net", 1000)));
      burst = b.toByteArray();
    }
    java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    try (PolicyClient hog = new PolicyClient(a)) {
      Thread sender =
          new Thread(
              () -> {
                try {
                  while (true) { // sends and never reads
                    hog.send(burst);
                    sent.addAndGet(20);
                    Thread.sleep(50); // each burst is answered before the next: no limit hit
                  }
                } catch (IOException | InterruptedException e) {
                  // closed at the end of the test
                }
              });
      sender.setDaemon(true);
      sender.start();
      // the server stops reading from it once its answers are stuck: the count settles
      long before = -1;
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (System.nanoTime() < deadline) {
        Thread.sleep(1000);
        long now = server.stats().requests();
        if (now == before && now > 0) break;
        before = now;
      }
      long settled = server.stats().requests();
      assertTrue(settled > 40, "requests decoded before back-pressure: " + settled);
      Thread.sleep(1000);
      assertEquals(
          settled, server.stats().requests(), "still reading from a client that never reads");
      assertTrue(sender.isAlive(), "the connection was closed instead of held back");
      assertTrue(sent.get() - settled > 0, "the client's own sends are held back");
      // others are served meanwhile
      try (PolicyClient other = new PolicyClient(a)) {
        assertEquals(longAnswer, other.ask(request("c@example.net", 1000)));
      }
    }
  }

  @Test
  void unixSocketWithModeAndStaleFileReplaced() throws Exception {
    Path sock = dir.resolve("policy.sock");
    Files.writeString(sock, "stale");
    SocketAddress a =
        start(List.of(new ListenAddress.Unix(sock, 0660)), 100, Duration.ofSeconds(60), false)
            .get(0);
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    LogCapture logs = LogCapture.all();
    try (logs;
        PolicyClient c = new PolicyClient(UnixDomainSocketAddress.of(sock))) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(request("b@example.net", 1300)).startsWith("PREPEND"));
    }
    // a connection is not worth a warning (Netty warns about options a unix socket lacks)
    assertEquals(List.of(), logs.warnings());
    // a second server may not steal a live socket
    PolicyServer other =
        server(
            ServerOptions.listening(List.of(new ListenAddress.Unix(sock, 0660))),
            TestPolicy.sync(r -> "DUNNO"));
    IOException e = assertThrows(IOException.class, other::start);
    assertTrue(e.getMessage().contains("another process is listening"), e.getMessage());
    assertTrue(Files.exists(sock));
    server.close();
    assertTrue(Files.notExists(sock), "socket removed on close");
  }

  @Test
  void malformedInputClosesOnlyThatConnection() throws Exception {
    SocketAddress a = start().get(0);
    try (PolicyClient good = new PolicyClient(a);
        PolicyClient longLine = new PolicyClient(a);
        PolicyClient garbage = new PolicyClient(a);
        PolicyClient nul = new PolicyClient(a)) {
      assertTrue(good.ask(request("b@example.net", 1000)).startsWith("DEFER"));
      longLine.send(("sender=" + "x".repeat(20_000) + "\n").getBytes(StandardCharsets.US_ASCII));
      garbage.send("this is not a policy request\n".getBytes(StandardCharsets.US_ASCII));
      nul.send(new byte[] {'a', '=', 0, '\n'});
      assertNull(longLine.readReply());
      assertNull(garbage.readReply());
      assertNull(nul.readReply());
      assertTrue(good.ask(request("b@example.net", 1300)).startsWith("PREPEND"));
    }
  }

  @Test
  void unknownRequestTypeGetsDunno() throws Exception {
    SocketAddress a = start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      assertEquals("DUNNO", c.ask(Map.of("request", "something_else", "x", "y")));
      assertEquals("DUNNO", c.ask(Map.of("x", "no request attribute")));
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER"));
    }
  }

  @Test
  void connectionsBeyondTheCapAreRefusedNotHung() throws Exception {
    SocketAddress a =
        start(List.of(new ListenAddress.Inet("127.0.0.1", 0)), 2, Duration.ofSeconds(60), false)
            .get(0);
    try (PolicyClient c1 = new PolicyClient(a);
        PolicyClient c2 = new PolicyClient(a)) {
      assertTrue(c1.ask(request("b@example.net", 1000)).startsWith("DEFER"));
      assertTrue(c2.ask(request("c@example.net", 1000)).startsWith("DEFER"));
      try (PolicyClient c3 = new PolicyClient(a)) {
        assertTrue(c3.closedByServer(), "third connection is closed at once");
      }
      assertEquals(1, metrics.connectionsRefused());
    }
    // once they are gone, new connections are served again
    for (int i = 0; i < 50 && server.openConnections() > 0; i++) Thread.sleep(20);
    try (PolicyClient c4 = new PolicyClient(a)) {
      assertTrue(c4.ask(request("b@example.net", 1300)).startsWith("PREPEND"));
    }
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    SocketAddress a =
        start(List.of(new ListenAddress.Inet("127.0.0.1", 0)), 10, Duration.ofMillis(300), false)
            .get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER"));
      long t = System.nanoTime();
      assertTrue(c.closedByServer());
      assertTrue(System.nanoTime() - t < 5_000_000_000L);
    }
  }

  @Test
  void eximModeClosesAfterEachReply() throws Exception {
    SocketAddress a =
        start(List.of(new ListenAddress.Inet("127.0.0.1", 0)), 10, Duration.ofSeconds(60), true)
            .get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER"));
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void bareLoopbackPortBindsLoopbackOnly() throws Exception {
    List<SocketAddress> bound =
        start(List.of(new ListenAddress.Inet(null, 0)), 10, Duration.ofSeconds(60), false);
    for (SocketAddress s : bound) {
      assertTrue(((InetSocketAddress) s).getAddress().isLoopbackAddress(), s.toString());
    }
    try (PolicyClient c = PolicyClient.tcp(((InetSocketAddress) bound.get(0)).getPort())) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER"));
    }
  }

  @Test
  void ipv6Loopback() throws Exception {
    org.greygate.testing.Requirements.ipv6Loopback();
    SocketAddress a =
        start(List.of(ListenAddress.parseInet("[::1]:0")), 10, Duration.ofSeconds(60), false)
            .get(0);
    assertEquals(
        "::1",
        ((InetSocketAddress) a).getAddress().getHostAddress().replace("0:0:0:0:0:0:0:1", "::1"));
    try (PolicyClient c =
        new PolicyClient(new InetSocketAddress("::1", ((InetSocketAddress) a).getPort()))) {
      assertTrue(c.ask(request("b@example.net", 1000)).startsWith("DEFER"));
    }
  }

  @Test
  void aDecisionPastTheReplyTimeoutIsAnsweredWithTheTimeoutAction() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    server =
        server(
            loopback().replyTimeout(Duration.ofMillis(200)),
            deadline(
                Duration.ofMillis(200),
                TestPolicy.async(
                    r -> {
                      if ("stuck@example.net".equals(r.recipient())) {
                        try {
                          release.await(); // a store that hangs
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      return "DEFER_IF_PERMIT decided";
                    },
                    deciders)));
    SocketAddress a = server.start().get(0);
    try (PolicyClient c = new PolicyClient(a);
        PolicyClient other = new PolicyClient(a)) {
      long t = System.nanoTime();
      assertEquals("DUNNO", c.ask(request("stuck@example.net", 1000)));
      long ms = (System.nanoTime() - t) / 1_000_000;
      assertTrue(ms >= 150 && ms < 2000, "answered after " + ms + " ms");
      // the same connection and others keep working while that decision is stuck
      assertEquals("DEFER_IF_PERMIT decided", c.ask(request("b@example.net", 1000)));
      assertEquals("DEFER_IF_PERMIT decided", other.ask(request("b@example.net", 1000)));
      assertEquals(1, metrics.replyTimeouts());
    } finally {
      release.countDown();
    }
  }

  @Test
  void aStoreThatNeverAnswersGetsABoundedNumberOfCalls() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    server =
        server(
            loopback().replyTimeout(Duration.ofMillis(20)),
            deadline(
                Duration.ofMillis(20),
                r -> {
                  calls.incrementAndGet();
                  return new java.util.concurrent.CompletableFuture<>(); // never completes
                }));
    SocketAddress a = server.start().get(0);
    int n = org.greygate.policy.PolicyChain.MAX_ABANDONED + 16;
    try (PolicyClient c = new PolicyClient(a);
        PolicyClient other = new PolicyClient(a)) {
      for (int i = 0; i < n; i++) {
        PolicyClient to = i % 2 == 0 ? c : other; // daemon-wide, whichever connection asks
        assertEquals("DUNNO", to.ask(request(i + "@example.net", 1000)));
      }
    }
    assertEquals(org.greygate.policy.PolicyChain.MAX_ABANDONED, calls.get());
    assertEquals(n, metrics.replyTimeouts());
  }

  @Test
  void decisionsRacingTheirDeadlineGetExactlyOneAnswerEach() throws Exception {
    // Deadline 4 ms, decisions taking 0-8 ms: about half are answered by the watchdog, and the
    // late decision must then write nothing (a second answer would desynchronise Postfix).
    server =
        server(
            loopback().replyTimeout(Duration.ofMillis(4)),
            deadline(
                Duration.ofMillis(4),
                TestPolicy.async(
                    r -> {
                      java.util.concurrent.locks.LockSupport.parkNanos(
                          java.util.concurrent.ThreadLocalRandom.current().nextLong(8_000_000));
                      return "DEFER_IF_PERMIT " + r.recipient();
                    },
                    deciders)));
    SocketAddress a = server.start().get(0);
    LogCapture logs = LogCapture.of(org.greygate.policy.PolicyChain.class);
    java.util.concurrent.atomic.AtomicInteger decided =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger timedOut =
        new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> clients = new java.util.ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    // 2 clients: with their late decisions still running, at most 4 decisions at a time, as many
    // as there are decision threads, so no decision waits for a thread
    for (int t = 0; t < 2; t++) {
      int client = t;
      Thread th =
          new Thread(
              () -> {
                try (PolicyClient c = new PolicyClient(a)) {
                  for (int i = 0; i < 300; i++) {
                    String rcpt = client + "-" + i + "@example.net";
                    String answer = c.ask(request(rcpt, 1000));
                    if (answer.equals("DUNNO")) timedOut.incrementAndGet();
                    else if (answer.equals("DEFER_IF_PERMIT " + rcpt)) decided.incrementAndGet();
                    else throw new AssertionError("request " + rcpt + " answered: " + answer);
                  }
                  Thread.sleep(20); // every late decision is done by now
                  String answer = c.ask(request(client + "-last@example.net", 1000));
                  if (!answer.equals("DUNNO")
                      && !answer.equals("DEFER_IF_PERMIT " + client + "-last@example.net"))
                    throw new AssertionError("stale answer after the run: " + answer);
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      th.start();
      clients.add(th);
    }
    for (Thread th : clients) th.join(60_000);
    logs.close();
    assertEquals(List.of(), failures);
    // hundreds of timeouts, one warning: the rest are counted, not logged
    assertEquals(
        1, logs.warnings().stream().filter(m -> m.startsWith("no decision within")).count());
    assertTrue(
        decided.get() > 50 && timedOut.get() > 50,
        decided + " decided, " + timedOut + " timed out");
    assertEquals(0, server.stats().inFlight());
  }

  @Test
  void closeAnswersTheDecisionsUnderWayFirst() throws Exception {
    java.util.concurrent.CountDownLatch deciding = new java.util.concurrent.CountDownLatch(1);
    server =
        server(
            loopback().replyTimeout(Duration.ofSeconds(5)),
            TestPolicy.async(
                r -> {
                  deciding.countDown();
                  try {
                    Thread.sleep(400); // a slow decision in flight when the stop comes
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return "DEFER_IF_PERMIT slow";
                },
                deciders));
    SocketAddress a = server.start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      c.send(PolicyClient.encode(request("b@example.net", 1000)));
      deciding.await();
      Thread stopper = new Thread(server::close);
      stopper.start();
      assertEquals("DEFER_IF_PERMIT slow", c.readReply());
      stopper.join(10_000);
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void closeWaitsForADecisionStillBeingHandedToItsDecider() throws Exception {
    // The loop is still inside decide() (after the work was handed off, before the server counted
    // it as under way) when the stop comes: the stop must not close the connection under it.
    java.util.concurrent.CountDownLatch handedOff = new java.util.concurrent.CountDownLatch(1);
    Decider slowHandOff =
        new Decider() {
          @Override
          public java.util.concurrent.CompletionStage<Outcome> decide(PolicyRequest request) {
            java.util.concurrent.CompletableFuture<Outcome> work =
                java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                      handedOff.countDown();
                      pause(700);
                      return TestPolicy.outcome("DEFER_IF_PERMIT handed off");
                    },
                    deciders);
            pause(300); // still on the loop, the decision not yet counted
            return work;
          }
        };
    server = server(loopback().replyTimeout(Duration.ofSeconds(5)), slowHandOff);
    SocketAddress a = server.start().get(0);
    try (PolicyClient c = new PolicyClient(a)) {
      c.send(PolicyClient.encode(request("b@example.net", 1000)));
      handedOff.await();
      Thread stopper = new Thread(server::close);
      stopper.start();
      assertEquals("DEFER_IF_PERMIT handed off", c.readReply());
      stopper.join(10_000);
      assertTrue(c.closedByServer());
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void allowFromClosesOtherPeers() throws Exception {
    ServerOptions.Builder denied =
        loopback()
            .allowFrom(
                List.of(
                    org.greygate.inet.Cidr.parse("192.0.2.0/24"),
                    org.greygate.inet.Cidr.parse("2001:db8::/32")));
    PolicyServer s1 = server(denied, TestPolicy.sync(r -> "DUNNO"));
    try {
      SocketAddress a = s1.start().get(0);
      try (PolicyClient c = new PolicyClient(a)) {
        assertTrue(c.closedByServer());
      }
      assertEquals(1, metrics.connectionsDenied());
    } finally {
      s1.close();
    }
    ServerOptions.Builder allowed =
        denied.allowFrom(List.of(org.greygate.inet.Cidr.parse("127.0.0.0/8")));
    PolicyServer s2 = server(allowed, TestPolicy.sync(r -> "DUNNO"));
    try {
      SocketAddress a = s2.start().get(0);
      try (PolicyClient c = new PolicyClient(a)) {
        assertEquals("DUNNO", c.ask(request("b@example.net", 1000)));
      }
    } finally {
      s2.close();
    }
  }

  @Test
  void anErrorInADecisionClosesThatConnectionAtOnceAndOnlyIt() throws Exception {
    // An Error (here NoClassDefFoundError, as a broken upgrade gives) must not leave the client
    // waiting for an answer until the idle timeout: it is logged and the connection is closed.
    LogCapture logs = LogCapture.of(DecisionDispatcher.class);
    server =
        server(
            loopback().idleTimeout(Duration.ofSeconds(600)),
            new Decider() {
              @Override
              public java.util.concurrent.CompletionStage<org.greygate.protocol.Outcome> decide(
                  org.greygate.protocol.PolicyRequest r) {
                if (r.recipient().startsWith("sync")) throw new NoClassDefFoundError("sync");
                if (r.recipient().startsWith("late")) {
                  return java.util.concurrent.CompletableFuture.supplyAsync(
                      () -> {
                        throw new NoClassDefFoundError("late");
                      },
                      deciders);
                }
                return java.util.concurrent.CompletableFuture.completedFuture(
                    TestPolicy.outcome("DUNNO"));
              }
            });
    SocketAddress a = server.start().get(0);
    try (logs;
        PolicyClient witness = new PolicyClient(a)) {
      for (String rcpt : List.of("sync@example.net", "late@example.net")) {
        try (PolicyClient c = new PolicyClient(a)) {
          long t = System.nanoTime();
          c.send(PolicyClient.encode(request(rcpt, 1000)));
          assertNull(c.readReply(), "no answer for " + rcpt);
          long ms = (System.nanoTime() - t) / 1_000_000;
          assertTrue(ms < 2000, rcpt + ": closed after " + ms + " ms");
          // the same broken path, then a malformed line: closed too, not left hanging
        }
        assertEquals("DUNNO", witness.ask(request("ok@example.net", 1000)));
      }
      try (PolicyClient c = new PolicyClient(a)) {
        c.send("garbage line\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(c.closedByServer());
      }
    }
    assertEquals(
        2,
        logs.errors().stream()
            .filter(m -> m.startsWith("unexpected error on the connection"))
            .count(),
        logs.errors().toString());
  }

  @Test
  void aConnectionIsClosedEvenWhenLoggingItselfIsBroken() throws Exception {
    // after a broken upgrade the logging classes may fail to load too: close first, log after
    var logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DecisionDispatcher.class);
    var decoderLogger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RequestDecoder.class);
    var broken =
        new ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>() {
          @Override
          protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
            throw new NoClassDefFoundError("ch/qos/logback/classic/Missing");
          }
        };
    broken.start();
    logger.addAppender(broken);
    decoderLogger.addAppender(broken);
    server =
        server(
            loopback().idleTimeout(Duration.ofSeconds(600)),
            TestPolicy.sync(
                r -> {
                  throw new NoClassDefFoundError("org/greygate/Missing");
                }));
    try {
      SocketAddress a = server.start().get(0);
      try (PolicyClient c = new PolicyClient(a)) {
        c.send(PolicyClient.encode(request("b@example.net", 1000)));
        assertTrue(c.closedByServer(), "closed although the decision and its log line failed");
      }
      try (PolicyClient c = new PolicyClient(a)) {
        c.send("a malformed line\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(c.closedByServer(), "closed although the warning could not be logged");
      }
    } finally {
      logger.detachAppender(broken);
      decoderLogger.detachAppender(broken);
    }
  }

  @Test
  void inetValuesParse() {
    assertEquals(new ListenAddress.Inet(null, 10023), ListenAddress.parseInet("10023"));
    assertEquals(
        new ListenAddress.Inet("127.0.0.1", 10023), ListenAddress.parseInet("127.0.0.1:10023"));
    assertEquals(new ListenAddress.Inet("::1", 10023), ListenAddress.parseInet("[::1]:10023"));
    assertEquals(new ListenAddress.Inet("::1", 10023), ListenAddress.parseInet("::1:10023"));
    assertEquals(new ListenAddress.Inet("0.0.0.0", 10023), ListenAddress.parseInet("*:10023"));
    assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseInet("70000"));
    assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseInet("host:"));
    assertThrows(IllegalArgumentException.class, () -> ListenAddress.parseInet(":10023"));
  }
}
