package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.greygate.testing.Daemon;
import org.greygate.testing.DnsServer;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender whose SPF record repeats {@code %{s}} hundreds of times, reached through an include and
 * a redirect, sending with a local part of about 2,000 characters: each {@code %{s}} expands to the
 * whole address, and RFC 7208 section 7.3 cuts the result to 253 characters. Other clients, asking
 * at the same time, must be answered as fast as ever and their own SPF must still be evaluated,
 * both while the hostile record is fetched for the first time and once it is cached.
 */
class SpfHostileRecordIT {
  static final long T0 = 1_800_000_000L;
  static final int MACROS = 225;
  static final int ORDINARY_CONNECTIONS = 6;
  static final int ROUNDS = 8;
  static DnsServer dns;
  @TempDir java.nio.file.Path dir;

  @BeforeAll
  static void startDns() throws Exception {
    List<String> records = new ArrayList<>();
    // an include and a redirect, each to a record of 225 macros (dnsmasq reads lines of 1,024
    // characters at most; over UDP a record may be about 1,200 bytes)
    records.add(
        "txt-record=hostile.test,\"v=spf1 include:h1.hostile.test redirect=h2.hostile.test\"");
    records.add(macroRecord("h1.hostile.test", "?all"));
    records.add(macroRecord("h2.hostile.test", "-all"));
    // ordinary senders, each its own domain so that each asks DNS for the first time
    for (int i = 0; i < ROUNDS * ORDINARY_CONNECTIONS; i++) {
      records.add("txt-record=pool" + i + ".test,\"v=spf1 ip4:100.64.0.0/16 -all\"");
    }
    for (int i = 0; i < ORDINARY_CONNECTIONS; i++) {
      records.add("txt-record=warm" + i + ".test,\"v=spf1 ip4:100.65.0.0/16 -all\"");
    }
    dns = DnsServer.start(records);
  }

  /** A record of {@link #MACROS} {@code %{s}} in one exists:, as TXT strings of 255 bytes. */
  static String macroRecord(String name, String last) {
    String body = "v=spf1 exists:" + "%{s}".repeat(MACROS) + " " + last;
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < body.length(); i += 255) {
      strings.add("\"" + body.substring(i, Math.min(body.length(), i + 255)) + "\"");
    }
    return "txt-record=" + name + "," + String.join(",", strings);
  }

  @AfterAll
  static void stopDns() throws Exception {
    if (dns != null) dns.close();
  }

  static Map<String, String> mail(String client, String sender, long at) {
    Map<String, String> m = TestPolicy.rcpt("user@example.net");
    m.put("client_address", client);
    m.put("client_name", "unknown");
    m.put("sender", sender);
    m.put("helo_name", "outbound.example");
    m.put("instance", "i" + client + at);
    m.put("policy_test_time", Long.toString(at));
    return m;
  }

  /** A local part of 1,999 characters, 1,000 labels: Postfix passes values up to 2,048. */
  static String hostileSender() {
    return "a" + ".a".repeat(999) + "@hostile.test";
  }

  @Test
  void anotherClientsRecordNeverDelaysOrdinaryRequests() throws Exception {
    try (Daemon d =
            Daemon.serve(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("db"),
                "--delay=300",
                "--trust-policy-test-time",
                "--spf-grouping",
                "--dns-server=" + dns.address());
        PolicyClient hostile = PolicyClient.tcp(d.port())) {
      // a thread per connection: the common pool has one thread on a 2-core machine
      ExecutorService threads = Executors.newFixedThreadPool(ORDINARY_CONNECTIONS + 1);
      List<PolicyClient> ordinary = new ArrayList<>();
      try {
        for (int i = 0; i < ORDINARY_CONNECTIONS; i++) ordinary.add(PolicyClient.tcp(d.port()));
        // a first request on each connection: the daemon loads and compiles its code
        for (int i = 0; i < ORDINARY_CONNECTIONS; i++) {
          ordinary.get(i).ask(mail("100.65.0." + i, "news@warm" + i + ".test", T0));
        }
        // fresh: nothing cached, the record's answers arrive on the DNS client's thread; then
        // cached: the records and the void answer are in the DNS cache, the SPF result is not
        // (another client address), so the whole check could run where the request arrived.
        // Both phases run and report, whichever fails.
        assertAll(
            () -> round(d, hostile, ordinary, threads, "203.0.113.1", 0),
            () -> round(d, hostile, ordinary, threads, "203.0.113.2", 1));
      } finally {
        threads.shutdownNow();
        for (PolicyClient c : ordinary) c.close();
      }
    }
  }

  private static void round(
      Daemon d,
      PolicyClient hostile,
      List<PolicyClient> ordinary,
      ExecutorService threads,
      String attacker,
      int phase)
      throws Exception {
    String label = phase == 0 ? "fresh" : "cached";
    int mark = d.mark();
    long start = System.nanoTime();
    long[] hostileNanos = new long[1];
    hostile.send(PolicyClient.encode(mail(attacker, hostileSender(), T0 + phase)));
    CompletableFuture<String> hostileReply =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                String reply = hostile.readReply();
                hostileNanos[0] = System.nanoTime() - start;
                return reply;
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            threads);
    long[] took = new long[ROUNDS * ORDINARY_CONNECTIONS];
    List<CompletableFuture<Void>> each = new ArrayList<>();
    for (int c = 0; c < ordinary.size(); c++) {
      int conn = c;
      each.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int r = 0; r < ROUNDS; r++) {
                    int n = r * ORDINARY_CONNECTIONS + conn;
                    String client = "100.64." + (phase * 100 + n) + ".1";
                    long t = System.nanoTime();
                    String a =
                        ordinary.get(conn).ask(mail(client, "news@pool" + n + ".test", T0 + n));
                    took[n] = (System.nanoTime() - t) / 1_000_000;
                    assertTrue(a.startsWith("DEFER_IF_PERMIT"), a);
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              threads));
    }
    CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    String h = hostileReply.get(120, TimeUnit.SECONDS);
    long hostileMillis = hostileNanos[0] / 1_000_000;
    long[] sorted = took.clone();
    Arrays.sort(sorted);
    System.out.println(
        label
            + ": hostile answered in "
            + hostileMillis
            + " ms; ordinary p50 "
            + sorted[sorted.length / 2]
            + " ms, max "
            + sorted[sorted.length - 1]
            + " ms: "
            + Arrays.toString(took));
    assertTrue(h.startsWith("DEFER_IF_PERMIT"), h);
    // the reply deadline is 2 s; the DNS budget 200 ms
    assertTrue(hostileMillis < 1500, label + ": the hostile request took " + hostileMillis + " ms");
    assertTrue(
        sorted[sorted.length - 1] < 500,
        label + ": ordinary requests waited up to " + sorted[sorted.length - 1] + " ms");
    // every ordinary sender's own SPF was evaluated in time: grouped by its domain
    for (int n = 0; n < took.length; n++) {
      d.awaitLineAfter(mark, "spf_group=pool" + n + ".test", 5);
    }
  }
}
