package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
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

/**
 * SPF-aware retry grouping against a real DNS server (dnsmasq) on a loopback port: a sender pool
 * whose retries come from other addresses of its SPF range, as Office 365's and Gmail's do.
 */
class SpfGroupingIT {
  static final long T0 = 1_800_000_000L;
  static DnsServer dns;
  @TempDir java.nio.file.Path dir;

  @BeforeAll
  static void startDns() throws Exception {
    List<String> records = new ArrayList<>();
    // an Office 365-shaped pool: the domain includes the provider's record, which includes the
    // ranges (an include chain), IPv4 and IPv6
    records.add("txt-record=pool.test,\"v=spf1 include:spf.provider.test -all\"");
    records.add(
        "txt-record=spf.provider.test,\"v=spf1 include:ranges.provider.test"
            + " ip6:2001:db8:40::/48 ~all\"");
    records.add("txt-record=ranges.provider.test,\"v=spf1 ip4:100.64.0.0/16 -all\"");
    // a domain that hands over to the pool's record
    records.add("txt-record=redirected.test,\"v=spf1 redirect=spf.provider.test\"");
    // a macro: each sending address is published under the domain
    records.add("txt-record=macro.test,\"v=spf1 exists:%{i}._spf.%{d} -all\"");
    records.add("address=/198.51.1.1._spf.macro.test/127.0.0.2");
    records.add("address=/198.51.2.2._spf.macro.test/127.0.0.2");
    // the pool's range, but behind 11 includes: over the lookup limit, a permerror
    StringBuilder over = new StringBuilder("v=spf1");
    for (int i = 1; i <= 10; i++) {
      over.append(" include:empty").append(i).append(".test");
      records.add("txt-record=empty" + i + ".test,\"v=spf1 ?ip4:192.0.2.255\"");
    }
    over.append(" include:ranges.provider.test -all");
    records.add("txt-record=toomany.test,\"" + over + "\"");
    // a domain that lets any address pass: no pool, nothing to group by
    records.add("txt-record=open.test,\"v=spf1 +all\"");
    // a sender domain whose DNS never answers
    records.add("txt-record=unused.test,\"v=spf1 -all\"");
    dns = DnsServer.start(records);
  }

  @AfterAll
  static void stopDns() throws Exception {
    if (dns != null) dns.close();
  }

  Daemon daemon(String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("db" + System.nanoTime()),
                "--delay=300",
                "--reply-timeout=1500",
                Daemon.FAIL_OPEN_OPTION,
                "--trust-policy-test-time",
                "--dns-server=" + dns.address()));
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> mail(String client, String sender, long at) {
    Map<String, String> m = TestPolicy.rcpt("user@example.net");
    m.put("client_address", client);
    m.put("client_name", "mail-" + client.replace(':', '-').replace('.', '-') + ".pool.test");
    m.put("sender", sender);
    m.put("helo_name", "outbound.pool.test");
    m.put("instance", "i" + client + sender + at);
    m.put("policy_test_time", Long.toString(at));
    return m;
  }

  static boolean greylisted(String answer) {
    return answer.startsWith("DEFER_IF_PERMIT");
  }

  @Test
  void aPoolRetryingFromANewAddressEachTimeIsDelayedOnceNotForever() throws Exception {
    try (Daemon d = daemon("--spf-grouping");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      String sender = "noreply@pool.test";
      assertTrue(greylisted(c.ask(mail("100.64.1.10", sender, T0))));
      assertTrue(greylisted(c.ask(mail("100.64.2.77", sender, T0 + 60))), "early, other IP");
      String retry = c.ask(mail("100.64.3.141", sender, T0 + 400));
      assertTrue(retry.startsWith("PREPEND X-Greylist: delayed 400 seconds"), retry);
      assertTrue(d.awaitLine("delay=400", 5).contains("spf_group=pool.test"));
      // later mail of the same sender, from any address of the pool: passes
      for (int i = 0; i < 5; i++) {
        String a = c.ask(mail("100.64." + (10 + i) + ".200", sender, T0 + 500 + i));
        assertEquals("DUNNO", a, dns.log());
      }
      // IPv6 addresses of the pool are the pool too
      assertEquals("DUNNO", c.ask(mail("2001:db8:40::25", sender, T0 + 600)));
      // an address outside the SPF range is not the pool: greylisted again
      assertTrue(greylisted(c.ask(mail("198.51.100.9", sender, T0 + 700))));
    }
  }

  @Test
  void withoutGroupingTheSamePoolIsGreylistedOnEveryNewAddress() throws Exception {
    try (Daemon d = daemon();
        PolicyClient c = PolicyClient.tcp(d.port())) {
      String sender = "noreply@pool.test";
      assertTrue(greylisted(c.ask(mail("100.64.1.10", sender, T0))));
      assertTrue(greylisted(c.ask(mail("100.64.3.141", sender, T0 + 400))));
      assertTrue(greylisted(c.ask(mail("100.64.4.200", sender, T0 + 800))));
    }
  }

  @Test
  void redirectAndMacrosGroupAndTheLookupLimitDoesNot() throws Exception {
    try (Daemon d = daemon("--spf-grouping");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(greylisted(c.ask(mail("100.64.1.10", "a@redirected.test", T0))));
      assertEquals("DUNNO", strip(c.ask(mail("100.64.2.99", "a@redirected.test", T0 + 400))));
      assertTrue(greylisted(c.ask(mail("198.51.1.1", "a@macro.test", T0))));
      assertEquals("DUNNO", strip(c.ask(mail("198.51.2.2", "a@macro.test", T0 + 400))));
      // 198.51.3.3 is not published: keyed by its own address
      assertTrue(greylisted(c.ask(mail("198.51.3.3", "a@macro.test", T0 + 800))));
      // toomany.test lists the range after 10 includes: permerror, so keyed by address
      assertTrue(greylisted(c.ask(mail("100.64.1.10", "a@toomany.test", T0))));
      assertTrue(greylisted(c.ask(mail("100.64.2.11", "a@toomany.test", T0 + 400))));
      assertTrue(dns.log().contains("ranges.provider.test"), "the records were asked");
      // +all: SPF passes from anywhere, so it says nothing about a pool
      assertTrue(greylisted(c.ask(mail("100.64.1.10", "a@open.test", T0))));
      assertTrue(greylisted(c.ask(mail("100.64.2.10", "a@open.test", T0 + 400))));
    }
  }

  @Test
  void aResolverThatNeverAnswersCostsAtMostTheBudgetSharedWithTheLists() throws Exception {
    try (Daemon d = daemon("--spf-grouping", "--dnswl=dead.test", "--dns-timeout=200");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      long[] took = new long[5];
      for (int i = 0; i < took.length; i++) {
        long start = System.nanoTime();
        String a = c.ask(mail("100.64." + (20 + i) + ".1", "x@sender.dead.test", T0 + i));
        took[i] = (System.nanoTime() - start) / 1_000_000;
        assertTrue(greylisted(a), a);
        // the first request of a fresh daemon also loads and compiles the code it runs
        long slack = i == 0 ? 600 : 300;
        assertTrue(took[i] < 200 + slack, "within the DNS budget: " + took[i] + " ms");
      }
      System.out.println("dead resolver: " + java.util.Arrays.toString(took) + " ms");
      // lists and SPF share one budget: a warm request waits ~200 ms, not 200 for each
      long[] warm = java.util.Arrays.copyOfRange(took, 1, took.length);
      java.util.Arrays.sort(warm);
      assertTrue(warm[warm.length / 2] < 200 + 150, java.util.Arrays.toString(took));
      assertTrue(d.awaitLine("SPF for sender.dead.test", 5).contains("DNS budget of 200 ms"));
    }
  }

  /** A first pass carries the X-Greylist header; the answer class is what the tests compare. */
  static String strip(String answer) {
    return answer.startsWith("PREPEND X-Greylist:") ? "DUNNO" : answer;
  }
}
