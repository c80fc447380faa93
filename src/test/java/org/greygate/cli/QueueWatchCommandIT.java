package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.greygate.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code greygate queue-watch --once} and the queue watch's option errors. */
class QueueWatchCommandIT {
  @TempDir Path dir;

  Path postqueue(String listing) throws Exception {
    Path data = dir.resolve("listing");
    Files.writeString(data, listing);
    Path script = dir.resolve("postqueue");
    Files.writeString(
        script,
        "#!/bin/sh\n[ \"$1 $2 $3\" = \"-c /etc/postfix-out -j\" ] || exit 3\ncat '" + data + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  static final String HELD =
      "{\"queue_name\": \"hold\", \"queue_id\": \"4Qx1\", \"message_size\": 1200, \"recipients\": []}\n";

  @Test
  void oncePrintsTheQueuesAndExitsOneWhenAWatermarkIsReached() throws Exception {
    Path pq = postqueue(HELD + HELD.replace("hold", "deferred"));
    Cli cli = new Cli();
    int code =
        cli.run(
            "queue-watch",
            "--once",
            "--postqueue=" + pq,
            "--postfix-config-dir=/etc/postfix-out",
            "--queue-alert=hold:1",
            "--queue-alert=deferred:5");
    String out = cli.out.toString();
    assertEquals(1, code, out + cli.err);
    assertTrue(out.matches("(?s).*hold\\s+1\\s+1200\\n.*"), out);
    assertTrue(out.matches("(?s).*active\\s+0\\s+0\\n.*"), out);
    assertTrue(out.contains("ALERT hold: 1 messages, watermark 1"), out);
    assertTrue(out.contains("ok    deferred: 1 messages, watermark 5"), out);

    Cli calm = new Cli();
    assertEquals(
        0,
        calm.run(
            "queue-watch",
            "--once",
            "--postqueue=" + pq,
            "--postfix-config-dir=/etc/postfix-out",
            "--queue-alert=hold:2"));
  }

  @Test
  void aFailingPostqueueIsExitOneWithItsMessage() throws Exception {
    Path pq = postqueue("");
    Cli cli = new Cli();
    assertEquals(1, cli.run("queue-watch", "--once", "--postqueue=" + pq));
    assertTrue(cli.err.toString().contains("failed (exit 3)"), cli.err.toString());
  }

  /** The watch run as a process, as its unit runs it: an alert reaches a webhook, signed. */
  @Test
  void anAlertReachesTheWebhookSignedWhileTheWatchRuns() throws Exception {
    Path pq = postqueue(HELD);
    Path key = dir.resolve("key");
    Files.writeString(key, "k\n");
    java.util.concurrent.BlockingQueue<String[]> got =
        new java.util.concurrent.LinkedBlockingQueue<>();
    com.sun.net.httpserver.HttpServer server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/soc",
        x -> {
          got.add(
              new String[] {
                new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                x.getRequestHeaders().getFirst("X-Greygate-Signature")
              });
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    server.start();
    try (org.greygate.testing.Daemon watch =
        org.greygate.testing.Daemon.launch(
            "queue-watch",
            "--postqueue=" + pq,
            "--postfix-config-dir=/etc/postfix-out",
            "--queue-interval=1s",
            "--queue-alert=hold:1",
            "--log-format=json",
            "--alert-webhook=http://127.0.0.1:" + server.getAddress().getPort() + "/soc",
            "--alert-webhook-secret=" + key)) {
      String[] call = got.poll(20, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(call != null, "no webhook call; the watch said:\n" + watch.output());
      assertTrue(call[0].contains("\"alert\":\"watermark\""), call[0]);
      assertTrue(call[0].contains("\"queue\":\"hold\""), call[0]);
      assertEquals(
          "sha256="
              + org.greygate.queue.hooks.ResponseHooks.sign(
                  "k".getBytes(StandardCharsets.UTF_8), call[0].getBytes(StandardCharsets.UTF_8)),
          call[1]);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void badOptionsNameTheOptionAndExitTwo() {
    String[][] cases = {
      {"--queue-alert=held:1", "--queue-alert: unknown queue 'held'"},
      {"--queue-alert=hold:0", "--queue-alert: threshold for hold must be 1 or more"},
      {"--queue-alert=hold", "--queue-alert: 'hold' is not QUEUE:COUNT"},
      {"--queue-interval=0", "--queue-interval: '0' is not a duration"},
      {"--queue-interval=5x", "--queue-interval: '5x' is not a duration"},
      {"--volume-alert=1", "--volume-alert must be more than 1"},
      {"--volume-baseline=1m", "--volume-baseline must span at least three intervals"},
      {"--volume-agents=sm tp", "--volume-agents: 'sm tp' is not an agent name"},
      {"--release-alert=0", "--release-alert must be 1 or more"},
    };
    for (String[] c : cases) {
      Cli cli = new Cli();
      assertEquals(2, cli.run("queue-watch", "--once", c[0]), c[0] + ": " + cli.err);
      assertTrue(cli.err.toString().contains(c[1]), c[0] + ": " + cli.err);
    }
  }

  @Test
  void serveRefusesQueueOptionsWithoutQueueWatch() {
    Cli cli = new Cli();
    assertEquals(
        2,
        cli.run(
            "serve", "--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--queue-alert=hold:1"));
    assertTrue(
        cli.err.toString().contains("--queue-alert needs --queue-watch"), cli.err.toString());
  }
}
