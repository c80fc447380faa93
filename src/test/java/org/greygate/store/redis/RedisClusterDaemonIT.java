package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisCluster;
import org.greygate.testing.Rows;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daemons and tools on a real Redis Cluster through the options a postmaster uses: two {@code
 * serve} processes as one greylist, {@code report} over the cluster, {@code db copy} into it and
 * out of it (rows placed where the daemon looks for them), and what is refused.
 */
class RedisClusterDaemonIT {
  static RedisCluster cluster;
  @TempDir Path dir;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = RedisCluster.launch();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  Daemon mx(String name, String prefix, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve(name),
                "--store=" + cluster.uri(),
                "--redis-prefix=" + prefix,
                "--delay=2",
                "--reply-timeout=500",
                Daemon.FAIL_OPEN_OPTION));
    args.addAll(List.of(more));
    if (args.stream().noneMatch(a -> a.startsWith("--auto-whitelist-clients"))) {
      args.add("--auto-whitelist-clients=1");
    }
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> request(String client, String sender, String recipient) {
    Map<String, String> m = TestPolicy.rcpt(recipient);
    m.put("client_address", client);
    m.put("sender", sender);
    return m;
  }

  @Test
  void twoDaemonsOnOneClusterAreOneGreylistAndTheReportSumsTheSite() throws Exception {
    try (Daemon a = mx("a", "two:", "--io-threads=2");
        Daemon b = mx("b", "two:");
        PolicyClient toA = PolicyClient.tcp(a.port());
        PolicyClient toB = PolicyClient.tcp(b.port())) {
      // a sender made of braces: the slot is still the client network's
      Map<String, String> hostile = request("192.0.2.1", "{x}{y}@{z}.example", "{u}@example.net");
      assertTrue(toA.ask(hostile).startsWith("DEFER_IF_PERMIT"));
      assertTrue(toB.ask(hostile).startsWith("DEFER_IF_PERMIT"), "early retry on the other MX");
      for (int i = 0; i < 20; i++) {
        String other = toB.ask(request("203.0.113." + i, "s@example.org", "v@example.net"));
        assertTrue(other.startsWith("DEFER_IF_PERMIT"), other);
      }
      Thread.sleep(2200);
      String pass = toB.ask(hostile);
      assertTrue(pass.startsWith("PREPEND X-Greylist: delayed "), pass);
      String awl = toA.ask(request("192.0.2.1", "a@example.org", "other@example.net"));
      assertEquals("DUNNO", awl, "the client's one pass whitelisted it for both MX");
      assertTrue(a.awaitLine("reason=client AWL", 5).contains("client_address=192.0.2.1"));
      // decisions went through connections on the server's own event loops (--io-threads=2)
      StringBuilder clients = new StringBuilder();
      for (org.greygate.testing.RedisServer m : cluster.masters()) {
        clients.append(m.text("CLIENT", "LIST"));
      }
      assertTrue(
          clients
              .toString()
              .lines()
              .anyMatch(l -> l.contains(" name=greygate-loop") && l.contains("cmd=evalsha")),
          clients.toString());
      for (Daemon d : List.of(a, b)) {
        d.signal("TERM");
        assertEquals(143, d.waitFor(10));
        assertTrue(
            d.output()
                .lines()
                .filter(l -> !l.contains("running as root"))
                .noneMatch(
                    l -> l.contains("WARN") || l.contains("ERROR") || l.contains("Exception")),
            d.output());
      }
    }
    Cli cli = new Cli();
    assertEquals(
        0,
        cli.run("report", "--store=" + cluster.uri(), "--redis-prefix=two:", "--format=csv"),
        cli.err.toString());
    String csv = cli.out.toString();
    List<String> columns = List.of(csv.lines().findFirst().orElseThrow().split(","));
    java.util.function.ToLongFunction<String> sum =
        column ->
            csv.lines()
                .skip(1)
                .mapToLong(l -> Long.parseLong(l.split(",")[columns.indexOf(column)]))
                .sum();
    assertEquals(22, sum.applyAsLong("greylisted"), csv);
    assertEquals(1, sum.applyAsLong("passed_known") + sum.applyAsLong("passed_late"), csv);
    assertEquals(1, sum.applyAsLong("auto_whitelisted"), csv);
  }

  /**
   * {@code db copy} into a cluster puts each row in its client network's slot: a daemon on the
   * cluster then knows the copied triplet and the copied whitelisted client; copied back out, every
   * row is as it was.
   */
  @Test
  void dbCopyIntoAClusterPlacesRowsWhereTheDaemonLooksAndBackOutUnchanged() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    Path source = dir.resolve("lmdb");
    Map<String, TripletEntry> triplets = new java.util.TreeMap<>();
    Map<String, ClientEntry> clients = new java.util.TreeMap<>();
    try (LmdbStore s = LmdbStore.open(source)) {
      for (int i = 0; i < 2000; i++) {
        Rows.put(
            s,
            "10.0." + (i % 250) + ".0/s" + i + "@example.org/r@example.net",
            new TripletEntry(now - 3600 - i, now - i));
      }
      Rows.put(
          s, "192.0.2.0/known@example.org/u@example.net", new TripletEntry(now - 7200, now - 3600));
      for (int i = 0; i < 100; i++) {
        Rows.put(s, "10.1." + i + ".9", new ClientEntry(1 + i % 7, now - i));
      }
      Rows.put(s, "2001:DB8:0:0:0:0:0:5", new ClientEntry(9, now - 10));
      s.flush();
      s.forEachTriplet(triplets::put);
      s.forEachClient(clients::put);
    }
    Cli copy = new Cli();
    assertEquals(
        0,
        copy.run("db", "copy", "--from=" + source, "--to=" + cluster.uri(), "--redis-prefix=copy:"),
        copy.err.toString());
    assertTrue(
        copy.out.toString().startsWith("copied 2,001 triplets, 101 clients"), copy.out.toString());

    try (Daemon d = mx("d", "copy:", "--auto-whitelist-clients=5");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      String known = c.ask(request("192.0.2.77", "known@example.org", "u@example.net"));
      assertTrue(known.startsWith("DUNNO") || known.startsWith("PREPEND"), known);
      assertEquals(
          "DUNNO",
          c.ask(request("10.1.6.9", "n@example.org", "w@example.net")),
          "10.1.6.9 was copied with 7 passes: whitelisted");
      assertEquals(
          "DUNNO",
          c.ask(request("2001:db8::5", "n@example.org", "w@example.net")),
          "an IPv6 client is placed by its /64");
      assertTrue(
          c.ask(request("10.1.0.9", "n@example.org", "w@example.net")).startsWith("DEFER"),
          "one pass is not five");
    }

    Path back = dir.resolve("back");
    Cli home = new Cli();
    assertEquals(
        0,
        home.run("db", "copy", "--from=" + cluster.uri(), "--redis-prefix=copy:", "--to=" + back),
        home.err.toString());
    try (LmdbStore s = LmdbStore.open(back)) {
      Map<String, TripletEntry> t = new java.util.TreeMap<>();
      s.forEachTriplet(t::put);
      // the daemon above saw one more triplet and moved the known one and the clients on
      assertTrue(t.keySet().containsAll(triplets.keySet()), "every triplet back, untagged");
      assertEquals(
          triplets.get("10.0.3.0/s3@example.org/r@example.net"),
          t.get("10.0.3.0/s3@example.org/r@example.net"));
      Map<String, ClientEntry> c = new java.util.TreeMap<>();
      s.forEachClient(c::put);
      assertEquals(clients.get("10.1.50.9"), c.get("10.1.50.9"));
    }
  }

  @Test
  void hashedKeysCannotBePlacedInAClusterAndSaySo() throws Exception {
    Path source = dir.resolve("private");
    try (LmdbStore s = LmdbStore.open(source)) {
      Rows.put(s, "d41d8cd98f00b204e9800998ecf8427e", new ClientEntry(3, 1_700_000_000L));
    }
    Files.writeString(source.resolve("privacy.key"), "0123456789abcdef0123456789abcdef\n");
    Cli copy = new Cli();
    assertEquals(
        2,
        copy.run("db", "copy", "--from=" + source, "--to=" + cluster.uri(), "--redis-prefix=p:"));
    assertTrue(copy.err.toString().contains("keeps its keys hashed"), copy.err.toString());
    assertTrue(copy.err.toString().contains("fills from live traffic"), copy.err.toString());
    try (RedisStore r =
        RedisStore.open(
            RedisStore.Settings.of(cluster.uri(), null, "p:", Duration.ofSeconds(5), 100, null),
            new Expiry(300, 35 * 86400, 2 * 86400))) {
      assertEquals(0, r.clientCount(), "nothing copied");
    }
  }

  @Test
  void aPrefixWithBracesIsRefusedWithItsReason() {
    Cli cli = new Cli();
    assertEquals(2, cli.run("report", "--store=" + cluster.uri(), "--redis-prefix=gg{site}:"));
    assertTrue(
        cli.err.toString().contains("must not contain '{' or '}' for a Redis Cluster"),
        cli.err.toString());
  }
}
