package org.greygate.queue.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.greygate.testing.Daemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate queue-watch} run as a process, following an auth log and an audit log in a temp
 * directory that the test appends to, rotates and truncates: the alert lines appear within seconds.
 */
class QueueToolWatchIT {
  static final String STAMP = "2026-12-07T01:02:03.123456+00:00 mx ";

  @TempDir Path dir;

  Path postqueue() throws Exception {
    Path script = dir.resolve("postqueue");
    Files.writeString(script, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  static void append(Path log, String... lines) throws Exception {
    Files.writeString(
        log, String.join("\n", lines) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  static String sudo(String user, String fields) {
    return STAMP + "sudo: " + user + " : " + fields;
  }

  @Test
  void whoRanTheQueueToolsIsSaidWithinSeconds() throws Exception {
    Path auth = dir.resolve("auth.log");
    Path audit = dir.resolve("audit.log");
    append(
        auth,
        sudo("mallory", "TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postsuper -d ALL"));
    Files.writeString(audit, "");
    try (Daemon d =
        Daemon.launch(
            "queue-watch",
            "--postqueue=" + postqueue(),
            "--queue-interval=1s",
            "--auth-log=" + auth,
            "--audit-log=" + audit,
            "--queue-admins=bob,carol")) {
      d.awaitLine("queue tools from", 20);
      int mark = d.mark();
      // a line from another program claiming to be sudo, one over 64 KiB, one with control
      // characters and a crafted argument, then the real ones
      append(
          auth,
          STAMP
              + "notsudo: mallory : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postsuper -d ALL",
          sudo(
              "mallory",
              "TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postcat " + "A".repeat(70_000)),
          sudo(
              "eve",
              "TTY=pts/3 ; PWD=/tmp/x ; COMMAND=/bin/true ; USER=root ;"
                  + " COMMAND=/usr/sbin/postcat -q \u001b[2J, user=bob, why=none"),
          sudo(
              "alice",
              "TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/sbin/postsuper -r ALL"),
          sudo("bob", "TTY=pts/2 ; PWD=/root ; USER=root ; COMMAND=/usr/sbin/postsuper -d 4ABCD"));
      String alice = d.awaitLineAfter(mark, "user=alice", 10);
      assertTrue(
          alice.contains(
              "action=queue-alert, alert=queue-tool, severity=high, tool=postsuper, user=alice,"
                  + " as=root, why=not-admin+mass, source=sudo, tty=pts/1, host=mx,"
                  + " command=/usr/sbin/postsuper -r ALL"),
          alice);
      String eve = d.awaitLineAfter(mark, "user=eve", 10);
      assertTrue(eve.contains("why=not-admin+forged"), eve);
      assertTrue(eve.endsWith("command=/usr/sbin/postcat -q ?[2J%2C user=bob%2C why=none"), eve);
      String bob = d.awaitLineAfter(mark, "user=bob,", 10);
      assertTrue(bob.contains("action=queue-tool, tool=postsuper, user=bob"), bob);
      List<String> after = d.output().lines().skip(mark).toList();
      assertFalse(
          after.stream().anyMatch(l -> l.contains("alert=") && l.contains("-d ALL")),
          "history and the false sudo are not read: " + after);
      assertTrue(
          after.stream().anyMatch(l -> l.contains("lines of " + auth + " over 64 KiB skipped")),
          String.join("\n", after));

      // rotation: the old file is renamed, a new one created
      Files.move(auth, dir.resolve("auth.log.1"));
      append(
          auth, sudo("mallory", "TTY=pts/4 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postqueue -f"));
      assertTrue(
          d.awaitLineAfter(mark, "tool=postqueue, user=mallory", 10).contains("severity=high"));
      // truncation in place (copytruncate)
      Files.writeString(auth, "");
      Thread.sleep(1500);
      append(auth, STAMP + "su[77]: (to root) mallory on pts/5");
      assertTrue(
          d.awaitLineAfter(mark, "alert=queue-tool-su", 10)
              .contains("severity=medium, tool=su, user=mallory"));

      // auditd: postsuper run in a root shell, seen by the kernel
      append(
          audit,
          AuditLogTest.syscall(
              "812", "1002", "dave", "/usr/sbin/postsuper", "\"postfix_queue_tool\""),
          AuditLogTest.record("EXECVE", "812", "argc=3 a0=\"postsuper\" a1=\"-H\" a2=\"ALL\""),
          AuditLogTest.record("EOE", "812", ""));
      String dave = d.awaitLineAfter(mark, "user=dave", 10);
      assertTrue(
          dave.contains(
              "alert=queue-tool, severity=high, tool=postsuper, user=dave, as=root,"
                  + " why=not-admin+mass, source=auditd"),
          dave);
      assertTrue(dave.endsWith("command=postsuper -H ALL"), dave);
    }
  }

  @Test
  void serveWatchesWhoRanTheQueueTools() throws Exception {
    Path auth = dir.resolve("auth.log");
    Path audit = dir.resolve("audit.log");
    Path mail = dir.resolve("mail.log");
    for (Path p : List.of(auth, audit, mail)) Files.writeString(p, "");
    try (Daemon d =
        Daemon.serve(
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve("db"),
            "--queue-watch",
            "--postqueue=" + postqueue(),
            "--queue-interval=1s",
            "--mail-log=" + mail,
            "--release-burst=3",
            "--volume-alert=2",
            "--volume-min=3",
            "--volume-window=2s",
            "--volume-baseline=6s",
            "--auth-log=" + auth,
            "--audit-log=" + audit,
            "--queue-admins=bob")) {
      String started = d.awaitLine("queue tools from", 10);
      assertTrue(started.contains(auth + " " + audit), started);
      int mark = d.mark();
      append(
          auth,
          sudo("bob", "TTY=pts/2 ; PWD=/root ; USER=root ; COMMAND=/usr/sbin/postsuper -d 4AB"),
          sudo("alice", "TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postsuper -H 4AB"));
      assertTrue(
          d.awaitLineAfter(mark, "user=alice", 10)
              .contains("alert=queue-tool, severity=high, tool=postsuper, user=alice"));
      assertTrue(d.awaitLineAfter(mark, "user=bob", 10).contains("action=queue-tool, tool="));
      append(
          audit,
          AuditLogTest.syscall("9", "1003", "carol", "/usr/bin/rm", "\"postfix_queue_change\""),
          AuditLogTest.record("EOE", "9", ""));
      assertTrue(
          d.awaitLineAfter(mark, "alert=queue-files", 10)
              .contains("severity=high, tool=rm, user=carol"));
      // --release-burst=3: three held, three released within the hour
      String stamp = "Dec  7 01:00:00 mx ";
      append(
          mail,
          stamp
              + "postfix/smtpd[9]: 4ABCD00001: hold: RCPT from x[192.0.2.1]: <a@example.org>:"
              + " Recipient address triggers HOLD action; from=<b@example.net> to=<a@example.org>",
          stamp + "postfix/cleanup[9]: 4ABCD00002: hold: header Subject: x from x[192.0.2.1]",
          stamp + "postfix/postsuper[9]: Placed on hold: 1 message",
          stamp + "postfix/postsuper[9]: Released from hold: 3 messages");
      assertTrue(
          d.awaitLineAfter(mark, "alert=hold-release", 10)
              .contains("held=3, released=3, threshold=3, window=1h"));
      // --volume-window=2s: a quiet baseline of six seconds, then deliveries
      Thread.sleep(7000);
      String smtp =
          stamp
              + "postfix/smtp[913]: 4ABCD12345: to=<bob@example.net>,"
              + " relay=mx.example.net[192.0.2.1]:25, delay=0.4, status=sent (250 2.0.0 Ok)";
      append(mail, smtp, smtp, smtp, smtp, smtp);
      assertTrue(d.awaitLineAfter(mark, "alert=volume", 10).contains("window=2s"));
    }
  }

  @Test
  void jsonAlertLines() throws Exception {
    Path auth = dir.resolve("auth.log");
    Files.writeString(auth, "");
    try (Daemon d =
        Daemon.launch(
            "queue-watch",
            "--postqueue=" + postqueue(),
            "--queue-interval=1s",
            "--log-format=json",
            "--auth-log=" + auth)) {
      d.awaitLine("queue tools from", 20);
      append(
          auth, sudo("alice", "TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postcat -q 4AB"));
      String line = d.awaitLine("\"user\":\"alice\"", 10);
      assertTrue(
          line.contains(
              "{\"action\":\"queue-alert\",\"alert\":\"queue-tool\",\"severity\":\"high\","
                  + "\"tool\":\"postcat\",\"user\":\"alice\",\"as\":\"root\","
                  + "\"why\":\"not-admin\",\"source\":\"sudo\""),
          line);
    }
  }

  @Test
  void aBadAdminNameIsRefused() throws Exception {
    try (Daemon d = Daemon.launch("queue-watch", "--once", "--queue-admins=bob,al ice")) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(d.output().contains("--queue-admins: 'al ice' is not a user name"), d.output());
    }
  }
}
