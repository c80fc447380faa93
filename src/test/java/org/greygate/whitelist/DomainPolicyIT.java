package org.greygate.whitelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recipient-domain policy file in a running daemon: applied, reloaded, refused when broken. */
class DomainPolicyIT {
  @TempDir Path dir;

  String[] args(String... more) {
    java.util.List<String> a =
        new java.util.ArrayList<>(
            java.util.List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("db"),
                "--delay=300",
                "--trust-policy-test-time",
                Daemon.FAIL_OPEN_OPTION,
                "--domain-policy=" + dir.resolve("domains")));
    a.addAll(java.util.List.of(more));
    return a.toArray(String[]::new);
  }

  static Map<String, String> to(String recipient, String sender, long at) {
    Map<String, String> m = TestPolicy.rcpt(recipient);
    m.put("sender", sender);
    m.put("policy_test_time", Long.toString(at));
    return m;
  }

  @Test
  void appliedAndReloadedAndABrokenFileKeepsThePreviousPolicies() throws Exception {
    Files.writeString(
        dir.resolve("domains"),
        "# codes and resets must not wait\n"
            + "login.example   greylist=off\n"
            + "fast.example    delay=30s\n");
    try (Daemon d = Daemon.serve(args());
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals("DUNNO", c.ask(to("reset@login.example", "a@site.example", 1000)));
      assertTrue(d.awaitLine("reason=domain policy", 5).contains("domain_policy=login.example"));
      assertTrue(c.ask(to("x@fast.example", "a@site.example", 1000)).startsWith("DEFER"));
      assertTrue(c.ask(to("x@fast.example", "a@site.example", 1031)).startsWith("PREPEND"));

      // SIGHUP after an edit: opt-in mode, and a sender allowed everywhere
      Files.writeString(
          dir.resolve("domains"),
          "*               greylist=off allow-sender=@bank.example\n"
              + "customers.example greylist=on\n");
      int mark = d.mark();
      d.signal("HUP");
      assertTrue(d.awaitLineAfter(mark, "whitelists reloaded", 10).contains("2 domain policies"));
      assertEquals("DUNNO", c.ask(to("x@fast.example", "b@site.example", 2000)), "opt-in now");
      assertTrue(c.ask(to("x@customers.example", "a@site.example", 2000)).startsWith("DEFER"));

      // a .local companion changed: picked up by the file watch alone
      mark = d.mark();
      Files.writeString(
          dir.resolve("domains.local"), "customers.example allow-sender=/^billing@/\n");
      d.awaitLineAfter(mark, "whitelists reloaded", 10);
      assertEquals("DUNNO", c.ask(to("x@customers.example", "billing@shop.example", 2001)));

      // broken: named by file and line, the previous policies stay
      mark = d.mark();
      Files.writeString(
          dir.resolve("domains"), "customers.example greylist=on\nexample.org delay=soon\n");
      String err = d.awaitLineAfter(mark, "whitelist reload failed", 10);
      assertTrue(err.contains(dir.resolve("domains") + ":2:"), err);
      assertTrue(err.contains("not a duration"), err);
      assertEquals("DUNNO", c.ask(to("x@other.example", "c@site.example", 2002)), "still opt-in");
    }
  }

  @Test
  void aBrokenFileAtStartExitsTwoNamingFileAndLine() throws Exception {
    Files.writeString(dir.resolve("domains"), "example.org\tgreylist=sometimes\n");
    try (Daemon d = Daemon.launch(concat("serve", args()))) {
      assertEquals(2, d.waitFor(20));
      assertTrue(
          d.output()
              .contains(dir.resolve("domains") + ":1: greylist=sometimes: expected on or off"),
          d.output());
    }
  }

  @Test
  void aMissingFileIsAnError() throws Exception {
    try (Daemon d = Daemon.launch(concat("serve", args()))) {
      assertEquals(2, d.waitFor(20));
      assertTrue(d.output().contains(dir.resolve("domains") + ": no such file"), d.output());
    }
  }

  static String[] concat(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
