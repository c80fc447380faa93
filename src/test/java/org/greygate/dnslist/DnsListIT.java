package org.greygate.dnslist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.DnsServer;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DNS allow and block lists against a real DNS server (dnsmasq) on a loopback port. */
class DnsListIT {
  static DnsServer dns;
  @TempDir java.nio.file.Path dir;

  @BeforeAll
  static void startDns() throws Exception {
    dns =
        DnsServer.start(
            List.of(
                // allow list: 192.0.2.10 and 2001:db8::10 (dnswl.org's shape: 127.0.CATEGORY.TRUST)
                "address=/10.2.0.192.wl.test/127.0.10.2",
                "address=/0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.wl.test/"
                    + "127.0.10.1",
                // block list: 192.0.2.66 listed, 192.0.2.20 on both lists
                "address=/66.2.0.192.bl.test/127.0.0.2",
                "address=/20.2.0.192.wl.test/127.0.10.2",
                "address=/20.2.0.192.bl.test/127.0.0.2",
                // the block list refuses to answer for 192.0.2.77 (an open resolver, say)
                "address=/77.2.0.192.bl.test/127.255.255.254"));
  }

  @AfterAll
  static void stopDns() throws Exception {
    if (dns != null) dns.close();
  }

  Daemon daemon(String... more) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("db" + System.nanoTime()),
                "--delay=60",
                "--reply-timeout=1500",
                Daemon.FAIL_OPEN_OPTION,
                "--dns-server=" + dns.address()));
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> from(String client, String name) {
    Map<String, String> m = TestPolicy.rcpt("u@example.net");
    m.put("client_address", client);
    m.put("client_name", name);
    return m;
  }

  @Test
  void anAllowListedClientPassesAtOnceOthersAreGreylisted() throws Exception {
    try (Daemon d = daemon("--dnswl=wl.test", "--dnsbl=bl.test=2");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals("DUNNO", c.ask(from("192.0.2.10", "mail.example.com")));
      assertTrue(d.awaitLine("reason=dnswl", 5).contains("dnswl=wl.test"));
      assertEquals("DUNNO", c.ask(from("2001:db8::10", "mail6.example.com")), dns.log());
      assertTrue(c.ask(from("192.0.2.11", "other.example.com")).startsWith("DEFER_IF_PERMIT"));
      // on the allow list (1) and the block list (2): 1 - 2 < 1, greylisted
      assertTrue(c.ask(from("192.0.2.20", "both.example.com")).startsWith("DEFER_IF_PERMIT"));
      // 127.255.255.254 is the list refusing the query: not a listing, and said so
      assertTrue(c.ask(from("192.0.2.77", "refused.example.com")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(d.awaitLine("refused the query", 5).contains("bl.test"));
    }
  }

  @Test
  void aSkipScoreAboveOneAsksForMoreThanOneList() throws Exception {
    // 192.0.2.10 scores 1 on wl.test: enough for the default --skip-score of 1, not for 2
    try (Daemon d = daemon("--dnswl=wl.test", "--skip-score=2");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(c.ask(from("192.0.2.10", "mail.example.com")).startsWith("DEFER_IF_PERMIT"));
    }
    try (Daemon d = daemon("--dnswl=wl.test=2", "--skip-score=2");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals("DUNNO", c.ask(from("192.0.2.10", "mail.example.com")));
    }
  }

  @Test
  void greylistOnlyListedSparesNamedClientsOnNoBlockList() throws Exception {
    try (Daemon d = daemon("--dnsbl=bl.test", "--greylist-only-listed");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals("DUNNO", c.ask(from("192.0.2.11", "mail.example.com")));
      assertTrue(d.awaitLine("reason=not listed", 5).contains("client_address=192.0.2.11"));
      assertTrue(c.ask(from("192.0.2.66", "listed.example.com")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(from("192.0.2.12", "unknown")).startsWith("DEFER_IF_PERMIT"), "no PTR");
    }
  }

  @Test
  void aListThatNeverAnswersCostsAtMostTheBudgetAndChangesNoAnswerClass() throws Exception {
    try (Daemon d = daemon("--dnswl=dead.test", "--dnsbl=bl.test", "--dns-timeout=200");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        String answer = c.ask(from("192.0.2.10", "mail.example.com"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        // greylisted as without lists: DEFER first, then the early retries DEFER too
        assertTrue(answer.startsWith("DEFER_IF_PERMIT"), answer);
        // the first request of a fresh JVM also pays for loading and compiling its classes (over
        // 500 ms on a busy machine); from the second on only the DNS budget can make it slow
        if (i > 0) assertTrue(millis < 200 + 300, "within the DNS budget: " + millis + " ms");
      }
      assertTrue(d.awaitLine("no answers within 200 ms", 5).contains("192.0.2.10"));
    }
  }

  @Test
  void checkAsksTheListsAsTheDaemonDoes() throws Exception {
    org.greygate.testing.Cli cli = new org.greygate.testing.Cli();
    int rc =
        cli.run(
            "check",
            "--dbdir=" + dir,
            "--dnswl=wl.test",
            "--dns-server=" + dns.address(),
            "client_address=192.0.2.10",
            "client_name=mail.example.com",
            "sender=a@example.org",
            "recipient=b@example.net");
    assertEquals(0, rc, cli.err.toString());
    assertEquals("action=DUNNO\n\n", cli.out.toString());
    assertTrue(cli.err.toString().contains("reason=dnswl"), cli.err.toString());
  }

  @Test
  void badDnsOptionsNameTheOptionAndExit2() throws Exception {
    Map<String, List<String>> cases =
        Map.of(
            "--dnsbl", List.of("--dnsbl=bl.test=many"),
            "--greylist-only-listed", List.of("--dnswl=wl.test", "--greylist-only-listed"),
            "--dns-server", List.of("--dnswl=wl.test", "--dns-server=resolver.example"),
            "--dns-timeout", List.of("--dnswl=wl.test", "--dns-timeout=0"));
    for (Map.Entry<String, List<String>> bad : cases.entrySet()) {
      org.greygate.testing.Cli cli = new org.greygate.testing.Cli();
      List<String> args = new java.util.ArrayList<>(List.of("check", "--dbdir=" + dir));
      args.addAll(bad.getValue());
      args.addAll(
          List.of(
              "client_address=192.0.2.1",
              "client_name=mx.example.org",
              "sender=a@example.org",
              "recipient=b@example.net"));
      int rc = cli.run(args.toArray(String[]::new));
      assertEquals(2, rc, bad.getValue() + ": " + cli.err);
      assertTrue(cli.err.toString().contains(bad.getKey()), cli.err.toString());
    }
  }
}
