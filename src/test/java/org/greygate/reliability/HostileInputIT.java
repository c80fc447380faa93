package org.greygate.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.greylist.GreylistConfig;
import org.greygate.logline.TerminalText;
import org.greygate.metrics.Counters;
import org.greygate.server.ListenAddress;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Attacks on the listening side while a well-behaved client keeps asking: every attack gets a
 * bounded reaction (closed connection, refused connection, or a correct answer), the well-behaved
 * client keeps getting correct answers with a bounded p99, the store holds only well-formed rows,
 * and Netty's paranoid leak detector reports nothing.
 */
class HostileInputIT {
  /** The witness plus 1,000 idle connections fill the cap exactly. */
  static final int CAP = 1_001;

  @TempDir Path dir;
  LmdbStore store;
  PolicyServer server;
  SocketAddress address;
  ListAppender<ILoggingEvent> leaks = new ListAppender<>();

  final Counters metrics = new Counters();

  @BeforeEach
  void start() throws IOException {
    leaks.start();
    ((Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector")).addAppender(leaks);
    store = LmdbStore.open(dir.resolve("db"));
    server =
        new PolicyServer(
            ServerOptions.listening(List.of(new ListenAddress.Inet("127.0.0.1", 0)))
                .maxConnections(CAP)
                .idleTimeout(Duration.ofSeconds(60))
                .build(),
            TestPolicy.chain(store, GreylistConfig.defaults(), false),
            metrics);
    address = server.start().get(0);
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
    ((Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector")).detachAppender(leaks);
  }

  static Map<String, String> good(int i) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2." + (i % 200));
    m.put("client_name", "mx.example.org");
    m.put("sender", "a@example.org");
    m.put("recipient", "r" + i + "@example.net");
    m.put("instance", "i" + i);
    return m;
  }

  /** The well-behaved client: new triplets all, so every answer must be the greylist action. */
  final class Witness implements Runnable {
    final AtomicBoolean stop = new AtomicBoolean();
    final ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
    final List<Long> latencies = new ArrayList<>();
    final AtomicLong count = new AtomicLong();

    @Override
    public void run() {
      try (PolicyClient c = new PolicyClient(address)) {
        for (int i = 0; !stop.get(); i++) {
          long t = System.nanoTime();
          String a = c.ask(good(i));
          latencies.add(System.nanoTime() - t);
          count.incrementAndGet();
          if (a == null || !a.startsWith("DEFER_IF_PERMIT")) wrong.add(String.valueOf(a));
        }
      } catch (IOException e) {
        wrong.add("witness failed: " + e);
      }
    }

    long p99Millis() {
      List<Long> sorted = new ArrayList<>(latencies);
      sorted.sort(null);
      return sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.99)) / 1_000_000;
    }
  }

  @Test
  void attacksGetBoundedReactionsAndTheWitnessIsUnaffected() throws Exception {
    long t0 = System.nanoTime();
    Witness witness = new Witness();
    Thread w = new Thread(witness, "witness");
    w.start();
    Random rnd = new Random(7);

    // random bytes: 50 connections of 64 KiB garbage each; each must be closed
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[65536];
      rnd.nextBytes(junk);
      assertClosedAfterSending(junk);
    }
    // an endless line, 100,000 attributes, NUL bytes: closed at the limit, not read forever
    assertClosedAfterSending(("sender=" + "x".repeat(4 << 20)).getBytes(StandardCharsets.US_ASCII));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 100_000; i++) many.append("a").append(i).append("=1\n");
    assertClosedAfterSending(many.toString().getBytes(StandardCharsets.US_ASCII));
    assertClosedAfterSending(
        "request=smtpd_access_policy\nsender=a\0b\n\n".getBytes(StandardCharsets.ISO_8859_1));

    // non-UTF-8 values are not an attack: a normal answer
    try (PolicyClient c = new PolicyClient(address)) {
      byte[] req = PolicyClient.encode(good(1_000_000));
      byte[] latin = "sender=caf\u00e9@example.org\n".getBytes(StandardCharsets.ISO_8859_1);
      byte[] mixed = new byte[latin.length + req.length];
      System.arraycopy(latin, 0, mixed, 0, latin.length);
      System.arraycopy(req, 0, mixed, latin.length, req.length);
      c.send(mixed);
      assertTrue(c.readReply().startsWith("DEFER_IF_PERMIT"));
    }

    // a request cut off by close, and a half-closed socket that still wants its answer
    try (SocketChannel ch = SocketChannel.open(address)) {
      ch.write(
          ByteBuffer.wrap(
              "request=smtpd_access_policy\nclient_addr".getBytes(StandardCharsets.US_ASCII)));
    }
    try (PolicyClient c = new PolicyClient(address)) {
      c.send(PolicyClient.encode(good(2_000_000)));
      c.channel().shutdownOutput();
      assertTrue(c.readReply().startsWith("DEFER_IF_PERMIT"), "half-closed client gets its answer");
      assertNull(c.readReply(), "then the server closes");
    }

    // slowloris: 1,000 idle connections, some dribbling a byte now and then
    for (int i = 0; i < 100 && server.openConnections() > 1; i++)
      Thread.sleep(20); // attackers gone
    List<SocketChannel> idle = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      SocketChannel ch = SocketChannel.open(address);
      if (i % 10 == 0) ch.write(ByteBuffer.wrap("req".getBytes(StandardCharsets.US_ASCII)));
      idle.add(ch);
    }
    // a flood beyond the cap is refused at once, not left hanging
    List<java.net.Socket> flood = new ArrayList<>();
    long refusedBefore = metrics.connectionsRefused();
    for (int i = 0; i < 200; i++) {
      java.net.Socket s = new java.net.Socket();
      s.connect(address, 2000);
      flood.add(s);
    }
    int closed = 0;
    for (java.net.Socket ch : flood) {
      ch.setSoTimeout(1000);
      try {
        if (ch.getInputStream().read() < 0) closed++;
      } catch (IOException e) {
        closed++;
      }
    }
    System.out.println(
        "flood closed "
            + closed
            + " refused "
            + (metrics.connectionsRefused() - refusedBefore)
            + " open "
            + server.openConnections());
    assertTrue(closed >= 190, "connections beyond the cap closed promptly: " + closed);
    assertTrue(metrics.connectionsRefused() - refusedBefore >= 190);
    for (java.net.Socket ch : flood) ch.close();
    for (SocketChannel ch : idle) ch.close();

    Thread.sleep(300);
    witness.stop.set(true);
    w.join(10_000);
    assertTrue(witness.wrong.isEmpty(), "witness got wrong answers: " + witness.wrong);
    assertTrue(witness.count.get() > 100, "witness answered: " + witness.count.get());
    assertTrue(witness.p99Millis() < 500, "witness p99 " + witness.p99Millis() + " ms");

    // the store holds only what well-formed requests wrote
    store.flush();
    List<String> rows = new ArrayList<>();
    List<String> strange = new ArrayList<>();
    store.forEachTriplet(
        (k, e) -> {
          rows.add(k);
          boolean wellFormed =
              k.startsWith("192.0.2.0/a@example.org/r") && k.endsWith("@example.net")
                  || k.contains("caf");
          if (!wellFormed || e.firstSeen() > e.lastSeen()) strange.add(k + " " + e);
        });
    assertEquals(List.of(), strange);
    // one row for each of the witness's new triplets at least: a store read as empty holds nothing
    assertTrue(rows.size() >= witness.count.get(), rows.size() + " rows");

    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    // allocate a little more so the detector samples and reports anything collected
    try (PolicyClient c = new PolicyClient(address)) {
      for (int i = 0; i < 50; i++) c.ask(good(3_000_000 + i));
    }
    assertEquals(
        List.of(),
        leaks.list.stream().map(ILoggingEvent::getFormattedMessage).toList(),
        "Netty buffer leaks");
  }

  /** The server closes the connection, without a word, after (or while) it gets the payload. */
  void assertClosedAfterSending(byte[] payload) throws IOException {
    try (SocketChannel ch = SocketChannel.open(address)) {
      ch.socket().setSoTimeout(5000);
      ByteBuffer b = ByteBuffer.wrap(payload);
      try {
        while (b.hasRemaining()) ch.write(b);
      } catch (IOException e) {
        return; // reset while still sending: closed
      }
      java.io.ByteArrayOutputStream answered = new java.io.ByteArrayOutputStream();
      try {
        int n;
        byte[] buf = new byte[4096];
        while ((n = ch.socket().getInputStream().read(buf)) >= 0) answered.write(buf, 0, n);
      } catch (java.net.SocketTimeoutException e) {
        // a read that times out is a connection still open: the attack was not stopped
        throw new AssertionError(
            "still open 5 s after the payload; it answered: "
                + TerminalText.visible(answered.toString(StandardCharsets.ISO_8859_1)),
            e);
      } catch (IOException e) {
        // reset: closed
      }
      assertEquals("", answered.toString(StandardCharsets.ISO_8859_1), "closed without an answer");
    }
  }
}
