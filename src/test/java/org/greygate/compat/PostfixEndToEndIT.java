package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.greygate.testing.Daemon;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real Postfix (its own instance in a temp dir, loopback only, delivering to a mailbox file) with
 * greygate as its policy service, fed by swaks: the first attempt is greylisted with 450, the retry
 * after the delay is accepted and delivered carrying the X-Greylist header.
 */
class PostfixEndToEndIT {
  Path root;
  String postfix;
  String swaks;
  boolean started;

  @BeforeEach
  void setUp() throws IOException {
    postfix = Requirements.program("postfix", "/usr/sbin/postfix");
    swaks = Requirements.program("swaks", "/usr/bin/swaks");
    Requirements.root("a Postfix instance needs root to start");
    root = Files.createTempDirectory("greygate-postfix");
    root.toFile().setReadable(true, false);
    root.toFile().setExecutable(true, false);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (started) {
      run(List.of(postfix, "-c", root.resolve("etc").toString(), "stop"), 30);
    }
    if (root != null) {
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void greylistsThenDeliversOverTcp() throws Exception {
    try (Daemon greygate =
        Daemon.serve("--inet=127.0.0.1:0", "--dbdir=" + root.resolve("greygate"), "--delay=2")) {
      exercise(greygate, "inet:127.0.0.1:" + greygate.port());
    }
  }

  @Test
  void greylistsThenDeliversOverAUnixSocketInTheQueueDirectory() throws Exception {
    // As documented: a setgid directory of group postfix, so the socket (mode 0660) is
    // reachable by Postfix's smtpd and nobody else.
    Path sockDir = root.resolve("queue/greygate");
    Files.createDirectories(sockDir);
    chown("root:postfix", sockDir);
    if (new ProcessBuilder("chmod", "2750", sockDir.toString()).start().waitFor() != 0)
      fail("chmod");
    try (Daemon greygate =
        Daemon.serve(
            "--unix=" + sockDir.resolve("policy.sock"),
            "--inet=127.0.0.1:0",
            "--dbdir=" + root.resolve("greygate"),
            "--delay=2")) {
      exercise(greygate, "unix:greygate/policy.sock");
    }
  }

  void exercise(Daemon greygate, String policyService) throws Exception {
    int smtpPort = freePort();
    writeConfig(smtpPort, policyService);
    String check = run(List.of(postfix, "-c", root.resolve("etc").toString(), "check"), 30);
    String start = run(List.of(postfix, "-c", root.resolve("etc").toString(), "start"), 30);
    started = true;
    awaitPort(smtpPort, start + check);

    List<String> mail =
        List.of(
            swaks,
            "--server",
            "127.0.0.1:" + smtpPort,
            "--from",
            "alice@sender.test",
            "--to",
            "user@example.test,other@example.test",
            "--header",
            "Subject: greygate e2e");
    Result first = swaks(mail);
    assertEquals(24, first.code, "first attempt is refused at RCPT:\n" + first.output);
    assertTrue(
        first.output.contains(
            "450 4.2.0 <user@example.test>: Recipient address rejected: Greylisted"),
        first.output);

    Thread.sleep(2500); // the configured delay is 2 s
    Result second = swaks(mail);
    assertEquals(0, second.code, "retry after the delay is accepted:\n" + second.output);

    Path inbox = root.resolve("mail/inbox");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline
        && !(Files.exists(inbox)
            && Files.readString(inbox, StandardCharsets.ISO_8859_1)
                    .split("Subject: greygate e2e", -1)
                    .length
                == 3)) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(inbox), "delivered; postfix log:\n" + log());
    String delivered = Files.readString(inbox, StandardCharsets.ISO_8859_1);
    assertTrue(delivered.contains("X-Greylist: delayed "), delivered);
    // both recipients' copies land in one mailbox file; each copy carries the header once
    int copies = delivered.split("Subject: greygate e2e", -1).length - 1;
    assertEquals(2, copies, delivered);
    assertEquals(
        copies,
        delivered.split("X-Greylist:", -1).length - 1,
        "one header per message:\n" + delivered);
    String out = greygate.output();
    assertTrue(
        out.contains(
            "action=greylist, reason=new, client_name=localhost, client_address=127.0.0.1, sender=alice@sender.test, recipient=user@example.test"),
        out);
    assertTrue(out.contains("reason=triplet found, delay="), out);
  }

  void writeConfig(int smtpPort, String policyService) throws Exception {
    Path etc = Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("queue"));
    Path data = Files.createDirectories(root.resolve("data"));
    Path mail = Files.createDirectories(root.resolve("mail"));
    chown("postfix", data);
    chown("nobody:nogroup", mail);
    String r = root.toString();
    Files.writeString(
        etc.resolve("main.cf"),
        String.join(
            "\n",
            "compatibility_level = 3.6",
            "queue_directory = " + r + "/queue",
            "data_directory = " + r + "/data",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "myhostname = mx.example.test",
            "mydomain = example.test",
            "myorigin = example.test",
            "mydestination =",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks = 192.0.2.0/24",
            "relayhost =",
            "alias_maps =",
            "alias_database =",
            "virtual_mailbox_domains = example.test",
            "virtual_mailbox_base = " + r + "/mail",
            "virtual_mailbox_maps = static:inbox",
            "virtual_uid_maps = static:65534",
            "virtual_gid_maps = static:65534",
            "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service "
                + policyService,
            "maillog_file_prefixes = " + r,
            "maillog_file = " + r + "/maillog",
            "smtputf8_enable = no",
            "biff = no",
            ""));
    StringBuilder master = new StringBuilder();
    master.append("127.0.0.1:").append(smtpPort).append(" inet n - n - - smtpd\n");
    // name type private unpriv maxproc-related columns as in Debian's master.cf, never chrooted
    // here
    String[][] services = {
      {"pickup", "unix", "n", "-", "60", "1", "pickup"},
      {"cleanup", "unix", "n", "-", "-", "0", "cleanup"},
      {"qmgr", "unix", "n", "-", "300", "1", "qmgr"},
      {"rewrite", "unix", "-", "-", "-", "-", "trivial-rewrite"},
      {"bounce", "unix", "-", "-", "-", "0", "bounce"},
      {"defer", "unix", "-", "-", "-", "0", "bounce"},
      {"trace", "unix", "-", "-", "-", "0", "bounce"},
      {"verify", "unix", "-", "-", "-", "1", "verify"},
      {"flush", "unix", "n", "-", "1000?", "0", "flush"},
      {"proxymap", "unix", "-", "-", "-", "-", "proxymap"},
      {"proxywrite", "unix", "-", "-", "-", "1", "proxymap"},
      {"smtp", "unix", "-", "-", "-", "-", "smtp"},
      {"relay", "unix", "-", "-", "-", "-", "smtp"},
      {"showq", "unix", "n", "-", "-", "-", "showq"},
      {"error", "unix", "-", "-", "-", "-", "error"},
      {"retry", "unix", "-", "-", "-", "-", "error"},
      {"discard", "unix", "-", "-", "-", "-", "discard"},
      {"local", "unix", "-", "n", "-", "-", "local"},
      {"virtual", "unix", "-", "n", "-", "-", "virtual"},
      {"anvil", "unix", "-", "-", "-", "1", "anvil"},
      {"scache", "unix", "-", "-", "-", "1", "scache"},
      {"postlog", "unix-dgram", "n", "-", "-", "1", "postlogd"},
    };
    for (String[] s : services) {
      master.append(String.join(" ", s[0], s[1], s[2], s[3], "n", s[4], s[5], s[6])).append('\n');
    }
    Files.writeString(etc.resolve("master.cf"), master.toString());
  }

  String log() throws IOException {
    Path p = root.resolve("maillog");
    return Files.exists(p) ? Files.readString(p) : "(no maillog)";
  }

  record Result(int code, String output) {}

  Result swaks(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("swaks hung:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  /** Runs a command under a pseudo-terminal-free pipe; Postfix reports fatal errors in maillog. */
  String run(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " hung:\n" + out);
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + out + "\n" + log());
    }
    return out;
  }

  static void chown(String owner, Path p) throws Exception {
    if (new ProcessBuilder("chown", owner, p.toString()).inheritIO().start().waitFor() != 0) {
      fail("chown " + owner + " " + p + " failed");
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  void awaitPort(int port, String context) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    fail("postfix did not listen on " + port + ":\n" + context + "\n" + log());
  }
}
