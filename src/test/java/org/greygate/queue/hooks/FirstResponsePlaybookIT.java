package org.greygate.queue.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.greygate.queue.QueueEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped playbook (config/playbooks/first-response) run as greygate runs an alert command: the
 * alert on stdin, the system's tools replaced by programs that record what they were asked.
 */
class FirstResponsePlaybookIT {
  @TempDir Path dir;

  Path bin;

  void tool(String name, String body) throws Exception {
    Path p = bin.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
  }

  /** Runs the playbook with a queue of {@code senders}; returns what the tools recorded. */
  String run(String alert, List<String> senders) throws Exception {
    bin = Files.createDirectories(dir.resolve("bin"));
    Path calls = dir.resolve("calls");
    Files.writeString(calls, "");
    StringBuilder listing = new StringBuilder();
    int id = 0x1000;
    for (String s : senders) {
      listing
          .append("{\"queue_name\": \"active\", \"queue_id\": \"")
          .append(Integer.toHexString(id++).toUpperCase())
          .append("\", \"sender\": \"")
          .append(s)
          .append("\", \"recipients\": []}\n");
    }
    Files.writeString(dir.resolve("listing"), listing);
    tool("postqueue", "cat '" + dir.resolve("listing") + "'");
    tool("postsuper", "echo \"postsuper $*: $(tr '\\n' ' ')\" >> '" + calls + "'");
    tool("systemctl", "echo \"systemctl $*\" >> '" + calls + "'");
    tool("logger", "echo \"logger $*\" >> '" + calls + "'");
    tool(
        "greygate",
        "echo \"greygate $*\" >> '" + calls + "'; mkdir -p \"${3#--out=}\"; echo 0123abcd");
    tool("sendmail", "echo \"sendmail $*\" >> '" + calls + "'; cat > /dev/null");
    ProcessBuilder pb = new ProcessBuilder("config/playbooks/first-response");
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("INCIDENTS", dir.resolve("incidents").toString());
    pb.environment().put("RULE", "burst");
    pb.environment().put("RULES_LOCAL", dir.resolve("rules.local").toString());
    pb.environment().put("MIN_QUEUED", "5");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    p.getOutputStream().write(alert.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return Files.readString(calls);
  }

  static String alert(String... fields) {
    return new QueueEvent(QueueEvent.ALERT, List.of(fields)).json();
  }

  @Test
  void aVolumeAlertSnapshotsHoldsTheTopSenderLimitsItAndTells() throws Exception {
    List<String> queue = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) queue.add("spam@compromised.example");
    queue.add("alice@example.org");
    String calls = run(alert("alert=volume", "count=900", "factor=5"), queue);
    assertTrue(calls.contains("greygate queue snapshot --out=" + dir.resolve("incidents")), calls);
    assertTrue(
        calls.contains("postsuper -h -: 1000 1001 1002 1003 1004 1005 1006"),
        "the 7 of the top sender, not alice's:\n" + calls);
    assertEquals(
        "spam@compromised.example burst 0\n", Files.readString(dir.resolve("rules.local")));
    assertTrue(calls.contains("systemctl reload greygate"), calls);
    assertTrue(calls.contains("logger -p mail.crit -t greygate-first-response"), calls);
    assertTrue(calls.contains("held=spam@compromised.example(7)"), calls);
    assertTrue(calls.contains("sendmail root"), calls);
  }

  @Test
  void aSenderThatIsNoAddressIsNeverPassedOn() throws Exception {
    String planted = "$(touch " + dir.resolve("pwned") + ")@x";
    List<String> queue = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) queue.add(planted);
    String calls = run(alert("alert=watermark", "queue=active", "count=7"), queue);
    assertFalse(calls.contains("postsuper"), calls);
    assertFalse(Files.exists(dir.resolve("rules.local")), "no limit written");
    assertFalse(Files.exists(dir.resolve("pwned")), "nothing of the sender was run");
    assertTrue(calls.contains("top-sender-not-an-address"), calls);
  }

  @Test
  void aClearOrAnUnknownAlertDoesNothing() throws Exception {
    String clear = new QueueEvent(QueueEvent.CLEAR, List.of("alert=watermark")).json();
    assertEquals("", run(clear, List.of("a@example.org")));
  }
}
