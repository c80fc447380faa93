package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.greygate.testing.Cli;
import org.greygate.testing.WebhookReceiver;
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

  /** --once reads the queue; the spool watch, which follows changes, says it does not run. */
  @Test
  void onceWithTheSpoolWatchSaysWhereTheOneOffCheckIs() throws Exception {
    Path pq = postqueue(HELD);
    Cli cli = new Cli();
    int code =
        cli.run(
            "queue-watch",
            "--once",
            "--postqueue=" + pq,
            "--postfix-config-dir=/etc/postfix-out",
            "--spool-watch");
    assertEquals(0, code, cli.out + "" + cli.err);
    assertTrue(cli.out.toString().matches("(?s).*hold\\s+1\\s+1200\\n.*"), cli.out.toString());
    assertTrue(
        cli.err.toString().contains("does not run with --once")
            && cli.err.toString().contains("greygate queue check-perms"),
        cli.err.toString());
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
    try (WebhookReceiver soc = new WebhookReceiver();
        org.greygate.testing.Daemon watch =
            org.greygate.testing.Daemon.launch(
                "queue-watch",
                "--postqueue=" + pq,
                "--postfix-config-dir=/etc/postfix-out",
                "--queue-interval=1s",
                "--queue-alert=hold:1",
                "--log-format=json",
                "--alert-webhook=" + soc.url(),
                "--alert-webhook-secret=" + key)) {
      WebhookReceiver.Call call = soc.next(20, "the watch said:\n" + watch.output());
      assertTrue(call.body().contains("\"alert\":\"watermark\""), call.body());
      assertTrue(call.body().contains("\"queue\":\"hold\""), call.body());
      call.assertSignedWith("k");
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
