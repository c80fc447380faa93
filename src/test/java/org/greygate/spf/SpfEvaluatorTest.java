package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.greygate.dns.Answer;
import org.greygate.dns.DnsException;
import org.greygate.dns.Lookups;
import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;

/** check_host() over zones held in memory: the rules of RFC 7208, each able to fail. */
class SpfEvaluatorTest {
  /** A zone in memory; a name in {@code broken} fails as a resolver timeout would. */
  static final class Zone implements Lookups {
    final Map<String, List<String>> txt = new HashMap<>();
    final Map<String, List<String>> a = new HashMap<>();
    final Map<String, List<String>> aaaa = new HashMap<>();
    final Map<String, List<String>> mx = new HashMap<>();
    final Map<String, List<String>> ptr = new HashMap<>();
    final Set<String> broken = new HashSet<>();
    final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<String> askedFrom = new java.util.concurrent.CopyOnWriteArrayList<>();
    long ttl = 600;

    /** Where answers complete: null at once (a cache), else later, as a DNS client's thread. */
    java.util.concurrent.Executor answerOn;

    Zone spf(String name, String... records) {
      txt.put(name, List.of(records));
      return this;
    }

    Zone a(String name, String... addresses) {
      a.put(name, List.of(addresses));
      return this;
    }

    private <T> CompletionStage<Answer<T>> answer(String type, String name, List<T> values) {
      String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      asked.add(type + " " + n);
      askedFrom.add(Thread.currentThread().getName());
      if (broken.contains(n)) {
        return later(
            CompletableFuture.failedFuture(new DnsException(type + " " + n + ": timed out", null)));
      }
      return later(
          CompletableFuture.completedFuture(
              new Answer<>(values == null ? List.of() : values, values == null ? 300 : ttl)));
    }

    private <T> CompletableFuture<T> later(CompletableFuture<T> answer) {
      if (answerOn == null) return answer;
      return answer.whenCompleteAsync((x, e) -> {}, answerOn);
    }

    private static List<InetAddress> ips(List<String> s) {
      if (s == null) return null;
      List<InetAddress> out = new ArrayList<>();
      for (String x : s) {
        try {
          out.add(InetAddress.getByName(x));
        } catch (Exception e) {
          throw new IllegalArgumentException(e);
        }
      }
      return out;
    }

    private static String key(String name) {
      return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    @Override
    public CompletionStage<Answer<InetAddress>> ipv4(String name) {
      return answer("A", name, ips(a.get(key(name))));
    }

    @Override
    public CompletionStage<Answer<InetAddress>> ipv6(String name) {
      return answer("AAAA", name, ips(aaaa.get(key(name))));
    }

    @Override
    public CompletionStage<Answer<String>> txt(String name) {
      return answer("TXT", name, txt.get(key(name)));
    }

    @Override
    public CompletionStage<Answer<String>> mx(String name) {
      return answer("MX", name, mx.get(key(name)));
    }

    @Override
    public CompletionStage<Answer<String>> ptr(InetAddress address) {
      String ip = address.getHostAddress();
      return answer("PTR", ip, ptr.get(ip));
    }
  }

  private final Zone zone = new Zone();

  private SpfVerdict check(String ip, String sender) {
    String domain = sender.substring(sender.indexOf('@') + 1);
    return new SpfEvaluator(zone, Runnable::run)
        .check(IpAddress.parse(ip), domain, sender, "mx.example.net")
        .toCompletableFuture()
        .join();
  }

  private SpfResult result(String ip, String sender) {
    return check(ip, sender).result();
  }

  @Test
  void aFullQueueIsAFailedCheckNotAThrow() {
    zone.spf("example.org", "v=spf1 +all");
    java.util.concurrent.Executor full =
        r -> {
          throw new java.util.concurrent.RejectedExecutionException("queue full");
        };
    CompletionStage<SpfVerdict> stage =
        new SpfEvaluator(zone, full)
            .check(IpAddress.parse("192.0.2.1"), "example.org", "a@example.org", "mx.example.net");
    java.util.concurrent.CompletionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.util.concurrent.CompletionException.class,
            () -> stage.toCompletableFuture().join());
    assertTrue(
        e.getCause() instanceof java.util.concurrent.RejectedExecutionException, e.toString());
  }

  @Test
  void addressesAndQualifiers() {
    zone.spf("a.test", "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 -all");
    assertEquals(SpfResult.PASS, result("192.0.2.200", "x@a.test"));
    assertEquals(SpfResult.PASS, result("198.51.100.7", "x@a.test"));
    assertEquals(SpfResult.FAIL, result("198.51.100.8", "x@a.test"));
    zone.spf("b.test", "v=spf1 ip4:192.0.2.1 ~all");
    assertEquals(SpfResult.SOFTFAIL, result("203.0.113.1", "x@b.test"));
    zone.spf("c.test", "v=spf1 ?ip4:192.0.2.1 ?all");
    assertEquals(SpfResult.NEUTRAL, result("192.0.2.1", "x@c.test"));
    zone.spf("d.test", "v=spf1 ip4:192.0.2.1");
    assertEquals(SpfResult.NEUTRAL, result("203.0.113.1", "x@d.test"), "nothing matched");
    zone.spf("e.test", "V=SPF1 IP4:192.0.2.1 -ALL");
    assertEquals(SpfResult.PASS, result("192.0.2.1", "x@e.test"), "case does not matter");
  }

  @Test
  void recordSelection() {
    assertEquals(SpfResult.NONE, result("192.0.2.1", "x@nothing.test"));
    zone.spf("txt.test", "google-site-verification=abc", "v=spf10 +all");
    assertEquals(SpfResult.NONE, result("192.0.2.1", "x@txt.test"), "v=spf10 is not SPF 1");
    zone.spf("two.test", "v=spf1 +all", "v=spf1 -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@two.test"));
    zone.spf("bare.test", "v=spf1");
    assertEquals(SpfResult.NEUTRAL, result("192.0.2.1", "x@bare.test"));
    assertEquals(SpfResult.NONE, result("192.0.2.1", "x@single-label"), "not a domain");
  }

  @Test
  void aSyntaxErrorAnywhereIsAPermerrorEvenAfterAMatch() {
    zone.spf("s.test", "v=spf1 ip4:192.0.2.1 frobnicate:x -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@s.test"));
    zone.spf("s2.test", "v=spf1 ip4:192.0.2.1/33 -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@s2.test"));
    zone.spf("s3.test", "v=spf1 ip4:2001:db8::1 -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@s3.test"));
    zone.spf("s4.test", "v=spf1 redirect=a.test redirect=b.test");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@s4.test"));
    zone.spf("s5.test", "v=spf1 exists:%{q}.test -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@s5.test"));
    zone.spf("s6.test", "v=spf1 -all foo=bar");
    assertEquals(SpfResult.FAIL, result("192.0.2.1", "x@s6.test"), "unknown modifiers ignored");
  }

  @Test
  void includeAndRedirect() {
    zone.spf("pool.test", "v=spf1 ip4:203.0.113.0/24 -all");
    zone.spf("inc.test", "v=spf1 include:pool.test -all");
    assertEquals(SpfResult.PASS, result("203.0.113.9", "x@inc.test"));
    assertEquals(SpfResult.FAIL, result("192.0.2.9", "x@inc.test"), "included fail: no match");
    zone.spf("noinc.test", "v=spf1 include:nothing.test -all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.9", "x@noinc.test"));
    zone.broken.add("down.test");
    zone.spf("tmp.test", "v=spf1 include:down.test -all");
    assertEquals(SpfResult.TEMPERROR, result("192.0.2.9", "x@tmp.test"));
    zone.spf("red.test", "v=spf1 redirect=pool.test");
    assertEquals(SpfResult.PASS, result("203.0.113.9", "x@red.test"));
    assertEquals(SpfResult.FAIL, result("192.0.2.9", "x@red.test"));
    zone.spf("redall.test", "v=spf1 ?all redirect=pool.test");
    assertEquals(SpfResult.NEUTRAL, result("203.0.113.9", "x@redall.test"), "all wins");
    zone.spf("rednone.test", "v=spf1 redirect=nothing.test");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.9", "x@rednone.test"));
    zone.broken.add("tempfail.test");
    assertEquals(SpfResult.TEMPERROR, result("192.0.2.9", "x@tempfail.test"));
  }

  @Test
  void aMxAndPtr() {
    zone.a("web.a.test", "192.0.2.10");
    zone.spf("a.test", "v=spf1 a:web.a.test/28 -all");
    assertEquals(SpfResult.PASS, result("192.0.2.3", "x@a.test"));
    assertEquals(SpfResult.FAIL, result("192.0.2.30", "x@a.test"));
    zone.a("self.test", "198.51.100.1");
    zone.spf("self.test", "v=spf1 a -all");
    assertEquals(SpfResult.PASS, result("198.51.100.1", "x@self.test"));
    zone.mx.put("m.test", List.of("mx1.m.test", "mx2.m.test"));
    zone.a("mx2.m.test", "198.51.100.20");
    zone.spf("m.test", "v=spf1 mx/30 -all");
    assertEquals(SpfResult.PASS, result("198.51.100.22", "x@m.test"));
    assertEquals(SpfResult.FAIL, result("198.51.100.24", "x@m.test"));
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 11; i++) many.add("mx" + i + ".many.test");
    zone.mx.put("many.test", many);
    zone.spf("many.test", "v=spf1 mx -all");
    assertEquals(SpfResult.PERMERROR, result("198.51.100.22", "x@many.test"), "over 10 MX names");
    zone.ptr.put("192.0.2.77", List.of("liar.other.test", "host.p.test"));
    zone.a("host.p.test", "192.0.2.77");
    zone.a("liar.other.test", "192.0.2.1");
    zone.spf("p.test", "v=spf1 ptr -all");
    assertEquals(SpfResult.PASS, result("192.0.2.77", "x@p.test"));
    zone.spf("q.test", "v=spf1 ptr:other.test -all");
    assertEquals(SpfResult.FAIL, result("192.0.2.77", "x@q.test"), "a name not validated");
  }

  @Test
  void ipv6() {
    zone.aaaa.put("v6.test", List.of("2001:db8:1::25"));
    zone.spf("v6.test", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:2::/48 a//64 -all");
    assertEquals(SpfResult.PASS, result("2001:db8:2:ffff::1", "x@v6.test"));
    assertEquals(SpfResult.PASS, result("2001:db8:1::99", "x@v6.test"));
    assertEquals(SpfResult.FAIL, result("2001:db8:3::1", "x@v6.test"));
    assertEquals(SpfResult.PASS, result("192.0.2.5", "x@v6.test"));
  }

  @Test
  void theLookupLimit() {
    // a chain of includes: 10 lookups are allowed, the 11th is a permerror
    for (int i = 0; i < 10; i++)
      zone.spf("c" + i + ".test", "v=spf1 include:c" + (i + 1) + ".test");
    zone.spf("c10.test", "v=spf1 ip4:192.0.2.1");
    zone.spf("c11.test", "v=spf1 ip4:192.0.2.1");
    assertEquals(SpfResult.PASS, result("192.0.2.1", "x@c1.test"), "9 includes + nothing");
    assertEquals(SpfResult.PASS, result("192.0.2.1", "x@c0.test"), "10 lookups");
    zone.spf("c10.test", "v=spf1 include:c11.test");
    SpfVerdict over = check("192.0.2.1", "x@c0.test");
    assertEquals(SpfResult.PERMERROR, over.result());
    assertTrue(over.detail().contains("limit of 10"), over.detail());
    zone.spf(
        "flat.test",
        "v=spf1 a:a1.test a:a2.test a:a3.test a:a4.test a:a5.test a:a6.test"
            + " a:a7.test a:a8.test a:a9.test a:a10.test a:a11.test +all");
    for (int i = 1; i <= 11; i++) zone.a("a" + i + ".test", "198.51.100.1");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@flat.test"));
    zone.spf(
        "cheap.test",
        "v=spf1 ip4:1.1.1.1 ip4:1.1.1.2 ip4:1.1.1.3 ip4:1.1.1.4 ip4:1.1.1.5"
            + " ip4:1.1.1.6 ip4:1.1.1.7 ip4:1.1.1.8 ip4:1.1.1.9 ip4:1.1.1.10 ip4:1.1.1.11 +all");
    assertEquals(SpfResult.PASS, result("192.0.2.1", "x@cheap.test"), "ip4 costs no lookup");
  }

  @Test
  void theVoidLookupLimit() {
    zone.spf("void.test", "v=spf1 a:n1.test a:n2.test +all");
    assertEquals(SpfResult.PASS, result("192.0.2.1", "x@void.test"), "two voids allowed");
    zone.spf("void3.test", "v=spf1 a:n1.test a:n2.test exists:n3.test +all");
    assertEquals(SpfResult.PERMERROR, result("192.0.2.1", "x@void3.test"));
  }

  @Test
  void macrosInMechanisms() {
    zone.a("192.0.2.3._spf.mac.test", "127.0.0.2");
    zone.spf("mac.test", "v=spf1 exists:%{i}._spf.%{d} -all");
    assertEquals(SpfResult.PASS, result("192.0.2.3", "x@mac.test"));
    assertEquals(SpfResult.FAIL, result("192.0.2.4", "x@mac.test"));
    assertTrue(zone.asked.contains("A 192.0.2.4._spf.mac.test"), zone.asked.toString());
    zone.a("user.lp.mac2.test", "127.0.0.2");
    zone.spf("mac2.test", "v=spf1 exists:%{l}.lp.%{d} -all");
    assertEquals(SpfResult.PASS, result("192.0.2.3", "user@mac2.test"));
    assertEquals(SpfResult.FAIL, result("192.0.2.3", "other@mac2.test"));
  }

  @Test
  void aPassThatAnyAddressGetsIsMarkedBroad() {
    zone.spf("open.test", "v=spf1 +all");
    zone.spf("wide.test", "v=spf1 ip4:0.0.0.0/1 ip4:128.0.0.0/1 -all");
    zone.spf("narrow.test", "v=spf1 include:open.test ip4:192.0.2.0/24 -all");
    zone.spf("via.test", "v=spf1 include:open.test -all");
    zone.spf("pool.test", "v=spf1 ip4:40.92.0.0/15 -all");
    assertTrue(check("192.0.2.1", "x@open.test").broad());
    assertTrue(check("192.0.2.1", "x@wide.test").broad());
    assertTrue(check("192.0.2.1", "x@via.test").broad(), "the include's +all decided");
    assertEquals(SpfResult.PASS, check("40.93.1.1", "x@pool.test").result());
    assertTrue(!check("40.93.1.1", "x@pool.test").broad(), "a /15 is a pool");
    zone.spf("late.test", "v=spf1 ip4:192.0.2.0/24 +all");
    assertTrue(!check("192.0.2.1", "x@late.test").broad(), "the /24 matched first");
  }

  @Test
  void theTtlIsTheSmallestSeen() {
    zone.ttl = 120;
    zone.spf("t.test", "v=spf1 ip4:192.0.2.1 -all");
    assertEquals(120, check("192.0.2.1", "x@t.test").ttl());
    zone.ttl = 86_400;
    assertEquals(3600, check("192.0.2.1", "x@t.test").ttl(), "capped at an hour");
  }

  @Test
  void checksRunOnTheirExecutorNeverOnTheCallerNorTheDnsThread() throws Exception {
    java.util.concurrent.ExecutorService spf =
        java.util.concurrent.Executors.newFixedThreadPool(2, r -> new Thread(r, "spf-test"));
    java.util.concurrent.ExecutorService dnsThread =
        java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "dns-test"));
    try {
      zone.spf("pool.test", "v=spf1 include:inc.test mx exists:%{i}.%{d} -all");
      zone.spf("inc.test", "v=spf1 a:web.inc.test -all");
      zone.mx.put("pool.test", List.of("mx1.pool.test", "mx2.pool.test", "mx3.pool.test"));
      zone.a("mx3.pool.test", "192.0.2.3");
      SpfEvaluator spfEvaluator = new SpfEvaluator(zone, spf);
      for (java.util.concurrent.Executor answers :
          new java.util.concurrent.Executor[] {null, dnsThread}) {
        zone.answerOn = answers; // cached, then each answer on the DNS thread
        zone.askedFrom.clear();
        SpfVerdict v =
            spfEvaluator
                .check(IpAddress.parse("192.0.2.3"), "pool.test", "x@pool.test", "h")
                .toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(SpfResult.PASS, v.result(), v.detail());
        assertEquals(
            Set.of("spf-test"), Set.copyOf(zone.askedFrom), "every step on the SPF threads");
        assertTrue(zone.askedFrom.size() >= 6, zone.asked.toString());
      }
    } finally {
      spf.shutdownNow();
      dnsThread.shutdownNow();
    }
  }

  /**
   * The attack of a record of hundreds of {@code %{s}} and a sender of 2,000 characters, through
   * includes and a redirect, ten lookups deep: the check ends within its work limit, with
   * permerror, having expanded only what fits in it.
   */
  @Test
  void anyRecordCostsBoundedWork() {
    String macros = "%{s}".repeat(2000); // 8 KB: a record that needs TCP
    for (int i = 0; i < 9; i++) {
      zone.spf(
          "h" + i + ".test", "v=spf1 include:h" + (i + 1) + ".test exists:" + macros + " ?all");
    }
    zone.spf("h9.test", "v=spf1 exists:" + macros + " redirect=h0.test");
    String sender = "a" + ".a".repeat(999) + "@h0.test";
    SpfWork work = new SpfWork();
    var c =
        new SpfEvaluator(zone, Runnable::run)
            .check(
                IpAddress.parse("192.0.2.3"),
                "h0.test",
                new MacroExpander.Values(
                    sender,
                    sender.substring(0, sender.indexOf('@')),
                    "h0.test",
                    IpAddress.parse("192.0.2.3"),
                    "h"),
                work)
            .toCompletableFuture()
            .join();
    assertEquals(SpfResult.PERMERROR, c.result, c.detail);
    assertTrue(c.detail.contains("SPF work over the limit"), c.detail);
    // stopped at the limit, past it by one step at most: a record's parse or a macro
    assertTrue(
        work.units() <= SpfWork.LIMIT + SpfWork.RECORD_WEIGHT * 8_100L, work.units() + " units");
    // the same records with a short sender are as costly: the sender's length does not count
    zone.spf("one.test", "v=spf1 exists:" + "%{s}".repeat(100) + " -all");
    SpfWork shortSender = new SpfWork();
    SpfWork longSender = new SpfWork();
    for (SpfWork w : List.of(shortSender, longSender)) {
      String s = (w == shortSender ? "a" + ".a".repeat(200) : "a" + ".a".repeat(999)) + "@one.test";
      var r =
          new SpfEvaluator(zone, Runnable::run)
              .check(
                  IpAddress.parse("192.0.2.3"),
                  "one.test",
                  new MacroExpander.Values(
                      s,
                      s.substring(0, s.indexOf('@')),
                      "one.test",
                      IpAddress.parse("192.0.2.3"),
                      "h"),
                  w)
              .toCompletableFuture()
              .join();
      assertEquals(SpfResult.FAIL, r.result, r.detail);
    }
    assertEquals(shortSender.units(), longSender.units());
    assertEquals(1, longSender.expansions());
  }

  /**
   * A record of thousands of terms that ask no DNS (a 56 KB record, over TCP): matched in a loop,
   * no recursion (it overflowed the stack). Within the default work limit such a record is a
   * permerror: 25,000 characters of records a check at most.
   */
  @Test
  void thousandsOfTermsCostNoStack() {
    zone.spf("big.test", "v=spf1 " + "ip4:192.0.2.1 ".repeat(4000) + "ip4:198.51.100.7 -all");
    for (String[] c : new String[][] {{"198.51.100.7", "PASS"}, {"198.51.100.8", "FAIL"}}) {
      IpAddress ip = IpAddress.parse(c[0]);
      var check =
          new SpfEvaluator(zone, Runnable::run)
              .check(
                  ip,
                  "big.test",
                  new MacroExpander.Values("x@big.test", "x", "big.test", ip, "h"),
                  new SpfWork(Long.MAX_VALUE))
              .toCompletableFuture()
              .join();
      assertEquals(SpfResult.valueOf(c[1]), check.result, check.detail);
    }
    SpfVerdict limited = check("198.51.100.7", "x@big.test");
    assertEquals(SpfResult.PERMERROR, limited.result());
    assertTrue(limited.detail().contains("SPF work over the limit"), limited.detail());
  }
}
