package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate doctor} as an admin runs it: Postfix's real postconf reading a main.cf and
 * master.cf of the test's own, a real daemon listening, files with real owners and modes.
 */
class DoctorIT {
  @TempDir Path dir;
  Path postfix;
  Path queue;

  @BeforeEach
  void postfixInstance() throws Exception {
    Requirements.program("postconf", "/usr/sbin/postconf");
    postfix = Files.createDirectories(dir.resolve("postfix"));
    queue = Files.createDirectories(dir.resolve("spool"));
    Files.writeString(
        postfix.resolve("master.cf"),
        "smtp       inet  n       -       y       -       -       smtpd\n"
            + "submission inet  n       -       y       -       -       smtpd\n"
            + "  -o smtpd_sasl_auth_enable=yes\n"
            + "pickup     unix  n       -       y       60      1       pickup\n");
  }

  void mainCf(String restrictions, String more) throws Exception {
    Files.writeString(
        postfix.resolve("main.cf"),
        "compatibility_level = 3.6\n"
            + "queue_directory = "
            + queue
            + "\nsmtpd_recipient_restrictions = "
            + restrictions
            + "\n"
            + more);
  }

  @Test
  void aSoundSetupHasNothingToFixAndAMisplacedCheckGetsItsLine() throws Exception {
    try (Daemon d = Daemon.serve("--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"))) {
      String policy = "check_policy_service inet:127.0.0.1:" + d.port();
      String good =
          "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, " + policy;
      mainCf(good, "smtpd_policy_service_default_action = DUNNO\n");
      Cli clean = new Cli();
      int code =
          clean.run(
              "doctor",
              "--postfix-dir=" + postfix,
              "--inet=127.0.0.1:" + d.port(),
              "--dbdir=" + dir.resolve("db"));
      assertEquals(0, code, clean.out + "" + clean.err);
      assertTrue(
          clean.out.toString().startsWith("greygate doctor: nothing to fix"), clean.out.toString());

      mainCf(
          policy + ", permit_mynetworks,\n  permit_sasl_authenticated, reject_unauth_destination",
          "smtpd_policy_service_max_idle = 20m\n");
      Cli sick = new Cli();
      code =
          sick.run(
              "doctor",
              "--postfix-dir=" + postfix,
              "--inet=127.0.0.1:" + d.port(),
              "--dbdir=" + dir.resolve("db"));
      String out = sick.out.toString();
      assertEquals(1, code, out + sick.err);
      assertTrue(out.startsWith("greygate doctor: 3 findings"), out);
      assertTrue(
          out.contains(
              "   fix: smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,"
                  + " reject_unauth_destination, "
                  + policy
                  + "\n"),
          out);
      assertTrue(out.contains("   fix: idle-timeout = 1260 "), out);
      assertTrue(out.contains("   fix: smtpd_policy_service_default_action = DUNNO\n"), out);
    }
  }

  @Test
  void aListenerThatDoesNotAnswerAndAFileTheDaemonCannotRead() throws Exception {
    Path clients = dir.resolve("whitelist_clients");
    Files.writeString(clients, "example.org\n");
    Files.setPosixFilePermissions(clients, PosixFilePermissions.fromString("rw-------"));
    Path socket = queue.resolve("private/greygate");
    mainCf(
        "permit_mynetworks, reject_unauth_destination, check_policy_service unix:private/greygate",
        "smtpd_policy_service_default_action = DUNNO\n");
    Cli cli = new Cli();
    int code =
        cli.run(
            "doctor",
            "--postfix-dir=" + postfix,
            "--unix=" + socket,
            "--whitelist-clients=" + clients,
            "--daemon-user=nobody",
            "--dbdir=" + dir.resolve("db"));
    String out = cli.out.toString();
    assertEquals(1, code, out + cli.err);
    assertTrue(
        out.contains("unix:" + socket + ": Postfix asks greygate here, and nothing answers"), out);
    assertTrue(out.contains(clients + ": the daemon (user nobody) cannot read it"), out);
    assertTrue(out.contains("   fix: chgrp nobody " + clients + " && chmod g+r " + clients), out);
  }

  @Test
  void postconfThatCannotReadItsConfigurationIsExitTwo() {
    Cli cli = new Cli();
    int code =
        cli.run(
            "doctor",
            "--postfix-dir=" + dir.resolve("none"),
            "--inet=127.0.0.1:10023",
            "--dbdir=" + dir.resolve("db"));
    assertEquals(2, code, cli.out + "" + cli.err);
    assertTrue(
        cli.err.toString().startsWith("greygate doctor: cannot read Postfix's configuration: "),
        cli.err.toString());
  }

  /** The daemon gives doctor's advice once when its requests show the check misplaced. */
  @Test
  void theDaemonWarnsOnceWhenRequestsShowTheCheckMisplaced() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "burst sasl_username messages 1000 1h HOLD\n");
    try (Daemon d =
            Daemon.serve("--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--rules=" + rules);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      Map<String, String> m = TestPolicy.rcpt("b@example.net");
      m.put("sasl_username", "alice@example.org");
      for (int i = 0; i < 120; i++) {
        m.put("instance", "r" + i);
        assertTrue(c.ask(m).startsWith("DEFER_IF_PERMIT"), "greylisted at RCPT");
      }
      d.awaitLine("rate limits are asked only at RCPT", 10);
      m.put("protocol_state", "END-OF-MESSAGE");
      for (int i = 0; i < 120; i++) {
        m.put("instance", "e" + i);
        assertEquals("DUNNO", c.ask(m));
      }
      assertTrue(
          d.output().split("rate limits are asked only at RCPT", -1).length == 2, d.output());
      assertTrue(!d.output().contains("greylisting is asked only at"), "RCPT requests came first");
    }
  }
}
