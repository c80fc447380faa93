package org.greygate.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.greygate.testing.DnsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The resolver client against a real DNS server (dnsmasq) on a loopback port. */
class DnsClientIT {
  static DnsServer dns;
  static DnsClient client;

  @BeforeAll
  static void start() throws Exception {
    dns =
        DnsServer.start(
            List.of(
                "address=/host.client.test/192.0.2.5",
                "txt-record=spf.client.test,\"v=spf1 \",\"ip4:192.0.2.0/24 -all\"",
                "mx-host=client.test,mx2.client.test,20",
                "mx-host=client.test,mx1.client.test,10",
                "ptr-record=5.2.0.192.in-addr.arpa,host.client.test",
                // six records of 250 bytes: past the 1232 bytes asked over UDP, so over TCP
                "txt-record=big.client.test,\"" + "a".repeat(250) + "\"",
                "txt-record=big.client.test,\"" + "b".repeat(250) + "\"",
                "txt-record=big.client.test,\"" + "c".repeat(250) + "\"",
                "txt-record=big.client.test,\"" + "d".repeat(250) + "\"",
                "txt-record=big.client.test,\"" + "e".repeat(250) + "\"",
                "txt-record=big.client.test,\"" + "f".repeat(250) + "\""));
    client =
        DnsClient.of(List.of(new InetSocketAddress("127.0.0.1", dns.port)), Duration.ofMillis(300));
  }

  @AfterAll
  static void stop() throws Exception {
    if (dns != null) dns.close();
  }

  static <T> T get(java.util.concurrent.CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  static long asked(String name) {
    return dns.log()
        .lines()
        .filter(l -> l.contains("query[") && l.contains(" " + name + " "))
        .count();
  }

  @Test
  void answersOfEachType() throws Exception {
    assertEquals(
        "192.0.2.5", get(client.ipv4("host.client.test")).values().get(0).getHostAddress());
    assertEquals(
        List.of("v=spf1 ip4:192.0.2.0/24 -all"), get(client.txt("spf.client.test")).values());
    assertEquals(
        List.of("mx1.client.test", "mx2.client.test"), get(client.mx("client.test")).values());
    assertEquals(
        List.of("host.client.test"),
        get(client.ptr(java.net.InetAddress.getByName("192.0.2.5"))).values());
    Answer<String> none = get(client.txt("nothing.client.test"));
    assertTrue(none.isEmpty());
  }

  @Test
  void answersAreCachedNegativeOnesToo() throws Exception {
    get(client.ipv4("host.client.test"));
    get(client.txt("missing.client.test"));
    long positive = asked("host.client.test");
    long negative = asked("missing.client.test");
    for (int i = 0; i < 5; i++) {
      assertEquals(1, get(client.ipv4("host.client.test")).values().size());
      assertTrue(get(client.txt("missing.client.test")).isEmpty());
    }
    assertEquals(positive, asked("host.client.test"), dns.log());
    assertEquals(negative, asked("missing.client.test"), dns.log());
    assertTrue(negative >= 1, dns.log());
  }

  @Test
  void aTruncatedAnswerIsAskedAgainOverTcp() {
    List<String> big = get(client.txt("big.client.test")).values();
    assertEquals(6, big.size(), dns.log());
    assertTrue(big.stream().allMatch(t -> t.length() == 250), big.toString());
    assertEquals(2, asked("big.client.test"), "once over UDP, truncated, then over TCP");
  }

  @Test
  void aRefusalIsAnErrorNotAnEmptyAnswer() {
    CompletionException e =
        assertThrows(CompletionException.class, () -> get(client.ipv4("www.elsewhere.org")));
    assertTrue(e.getCause().getMessage().contains("REFUSED"), e.getCause().getMessage());
  }

  @Test
  void theNextResolverIsAskedWhenOneDoesNotAnswer() throws Exception {
    try (java.net.DatagramSocket silent =
            new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DnsClient two =
            DnsClient.of(
                List.of(
                    new InetSocketAddress("127.0.0.1", silent.getLocalPort()),
                    new InetSocketAddress("127.0.0.1", dns.port)),
                Duration.ofMillis(400))) {
      long start = System.nanoTime();
      assertEquals(1, get(two.ipv4("host.client.test")).values().size());
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(millis >= 150 && millis < 400 + 100, millis + " ms");
    }
  }

  @Test
  void aServerThatNeverAnswersFailsWithinTheTimeout() {
    long start = System.nanoTime();
    CompletionException e =
        assertThrows(CompletionException.class, () -> get(client.txt("x.dead.test")));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertInstanceOf(DnsException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("timed out"), e.getCause().getMessage());
    assertTrue(millis < 300 + 500, millis + " ms");
  }
}
