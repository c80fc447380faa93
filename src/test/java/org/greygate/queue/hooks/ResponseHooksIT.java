package org.greygate.queue.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.queue.QueueEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hooks against a real HTTP server on a loopback port and real programs: what arrives, signed
 * as documented; retries; a hook that hangs or floods never holds up the caller; programs get the
 * alert on stdin and are stopped at the timeout.
 */
class ResponseHooksIT {
  @TempDir Path dir;
  HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  final Map<String, Double> counted = new ConcurrentHashMap<>();

  record Received(String body, String signature) {}

  final Metrics metrics =
      new Metrics() {
        @Override
        public void add(Meter meter, double amount, String... labels) {
          counted.merge(String.join(" ", labels), amount, Double::sum);
        }
      };

  /** A server answering the statuses in turn (the last one from then on). */
  URI serve(int... statuses) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger n = new AtomicInteger();
    server.createContext(
        "/hook",
        x -> {
          String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          received.add(new Received(body, x.getRequestHeaders().getFirst("X-Greygate-Signature")));
          int i = Math.min(n.getAndIncrement(), statuses.length - 1);
          x.sendResponseHeaders(statuses[i], -1);
          x.close();
        });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  @AfterEach
  void stop() {
    if (server != null) server.stop(0);
  }

  static String alert(String... fields) {
    return new QueueEvent(QueueEvent.ALERT, List.of(fields)).json();
  }

  void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!done.getAsBoolean()) {
      assertTrue(System.nanoTime() < end, what + "; received " + received + ", counted " + counted);
      Thread.sleep(20);
    }
  }

  /** The fields of a JSON object, by a real parser: anything malformed throws. */
  static Map<String, String> parse(String json) throws IOException {
    Map<String, String> out = new HashMap<>();
    try (JsonParser p = new JsonFactory().createParser(json)) {
      assertEquals(JsonToken.START_OBJECT, p.nextToken());
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        out.put(name, p.getValueAsString());
      }
      assertEquals(null, p.nextToken(), "one object, nothing after it");
    }
    return out;
  }

  @Test
  void aWebhookGetsTheAlertSignedAndAHostileValueStaysOneJsonValue() throws Exception {
    // a value from outside (a queue name, a sender) that tries to close the object and add a field
    String hostile = "hold\", \"alert\": \"none\"}\n{\"x\": \"\u001b[2J";
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "s3cret-key\n");
    URI url = serve(200);
    HookConfig config = new HookConfig(List.of(url), secret, List.of(), Duration.ofSeconds(5));
    String json = alert("alert=watermark", "queue=" + hostile, "count=3");
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      hooks.fire(json);
      await("the webhook called", () -> received.size() == 1 && counted.containsKey("webhook ok"));
    }
    Received r = received.get(0);
    assertEquals(json, r.body());
    Map<String, String> fields = parse(r.body());
    assertEquals("watermark", fields.get("alert"));
    assertEquals(hostile, fields.get("queue"));
    // the key without the editor's newline, as documented
    assertEquals(
        "sha256="
            + ResponseHooks.sign(
                "s3cret-key".getBytes(StandardCharsets.UTF_8),
                r.body().getBytes(StandardCharsets.UTF_8)),
        r.signature());
    assertEquals(1.0, counted.get("webhook ok"));
  }

  @Test
  void aServerErrorIsRetriedAndARefusalIsNot() throws Exception {
    URI url = serve(503, 502, 200);
    HookConfig config = new HookConfig(List.of(url), null, List.of(), Duration.ofSeconds(5));
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      hooks.fire(alert("alert=released", "count=40"));
      await("three tries, the third taken", () -> counted.containsKey("webhook ok"));
    }
    assertEquals(3, received.size());
    assertEquals(null, received.get(0).signature(), "no key, no signature");

    received.clear();
    counted.clear();
    server.stop(0);
    URI refusing = serve(403);
    config = new HookConfig(List.of(refusing), null, List.of(), Duration.ofSeconds(5));
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      hooks.fire(alert("alert=released", "count=40"));
      await("refused, not retried", () -> counted.containsKey("webhook failed"));
    }
    assertEquals(1, received.size());
  }

  @Test
  void aHangingWebhookAndAFloodNeverHoldUpTheCaller() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        x -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    HookConfig config = new HookConfig(List.of(url), null, List.of(), Duration.ofSeconds(1));
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 3 * ResponseHooks.QUEUE; i++) hooks.fire(alert("alert=volume"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 2000, "firing 3,000 alerts took " + ms + " ms");
      await(
          "the overflow dropped and counted",
          () -> counted.getOrDefault("webhook dropped", 0.0) >= ResponseHooks.QUEUE);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aWebhookThatNeverAnswersFailsAtItsTimeoutAfterItsTries() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger tries = new AtomicInteger();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        x -> {
          tries.incrementAndGet();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    HookConfig config = new HookConfig(List.of(url), null, List.of(), Duration.ofSeconds(1));
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      hooks.fire(alert("alert=volume"));
      await("failed after its tries", () -> counted.containsKey("webhook failed"));
      assertEquals(ResponseHooks.ATTEMPTS, tries.get());
      // known to be down now: the next alert gets one try
      hooks.fire(alert("alert=volume"));
      await("failed again", () -> counted.get("webhook failed") == 2.0);
      assertEquals(ResponseHooks.ATTEMPTS + 1, tries.get());
    } finally {
      release.countDown();
    }
  }

  @Test
  void aProgramGetsTheAlertOnStdinAndOneThatHangsIsStopped() throws Exception {
    Path out = dir.resolve("out");
    Path ok = script("ok", "#!/bin/sh\ncat > '" + out + "'\n");
    Path hangs = script("hangs", "#!/bin/sh\nsleep 60\n");
    Path fails = script("fails", "#!/bin/sh\nexit 3\n");
    Path missing = dir.resolve("missing");
    HookConfig config =
        new HookConfig(List.of(), null, List.of(ok, hangs, fails, missing), Duration.ofSeconds(1));
    String json = alert("alert=watermark", "queue=hold", "count=1");
    long t0 = System.nanoTime();
    try (ResponseHooks hooks = ResponseHooks.start(config, metrics)) {
      hooks.fire(json);
      await("every program run", () -> counted.getOrDefault("command failed", 0.0) == 3.0);
    }
    assertTrue((System.nanoTime() - t0) / 1_000_000_000 < 10, "the hanging one was stopped");
    assertEquals(json, Files.readString(out));
    assertEquals(1.0, counted.get("command ok"));
    List<String> left = new ArrayList<>();
    ProcessHandle.current()
        .descendants()
        .forEach(p -> left.add(p.info().commandLine().orElse("?")));
    assertTrue(left.stream().noneMatch(c -> c.contains("sleep 60")), "left running: " + left);
  }

  @Test
  void anUnreadableKeyIsNamed() {
    HookConfig config =
        new HookConfig(
            List.of(URI.create("http://127.0.0.1:9/")),
            dir.resolve("no-such-key"),
            List.of(),
            Duration.ofSeconds(1));
    IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IOException.class, () -> ResponseHooks.start(config, Metrics.NONE));
    assertTrue(e.getMessage().contains("--alert-webhook-secret"), e.getMessage());
    assertTrue(e.getMessage().contains("no-such-key"), e.getMessage());
  }

  Path script(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }
}
