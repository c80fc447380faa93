package org.greygate.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of the test's own: six {@code redis-server --cluster-enabled yes} on
 * loopback (three masters, three replicas, made by {@code redis-cli --cluster create}), a
 * one-second node timeout so a replica takes over within seconds, and {@code
 * cluster-require-full-coverage no} so a master's death stops only its own slots. Ports are below
 * 55536: each node's cluster bus listens on its port + 10000.
 */
public final class RedisCluster implements AutoCloseable {
  public final List<RedisServer> nodes;
  private final String cli;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = nodes;
    this.cli = Requirements.program("redis-cli", "/usr/bin/redis-cli");
  }

  /** Starts six nodes and joins them into one cluster, every slot served. */
  public static RedisCluster launch(String... extra) throws Exception {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        List<String> args =
            new ArrayList<>(
                List.of(
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "1000",
                    "--cluster-require-full-coverage",
                    "no",
                    "--cluster-allow-reads-when-down",
                    "no"));
        args.addAll(List.of(extra));
        nodes.add(RedisServer.launchOn(clusterPort(nodes), args.toArray(String[]::new)));
      }
      RedisCluster c = new RedisCluster(nodes);
      List<String> create = new ArrayList<>(List.of(c.cli, "--cluster", "create"));
      for (RedisServer n : nodes) create.add("127.0.0.1:" + n.port);
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      c.run(create, 60);
      c.awaitHealthy();
      return c;
    } catch (Exception | AssertionError e) {
      for (RedisServer n : nodes) n.close();
      throw e;
    }
  }

  /** A port whose bus port (+10000) is free too, below 55536, not taken by the nodes so far. */
  private static int clusterPort(List<RedisServer> taken) throws IOException {
    for (int tries = 0; tries < 200; tries++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 45_000);
      if (taken.stream().anyMatch(n -> Math.abs(n.port - p) < 2)) continue;
      if (free(p) && free(p + 10_000)) return p;
    }
    throw new IOException("no free port pair below 55536");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2} (two seeds: the client finds the rest). */
  public String uri() {
    return "redis-cluster://127.0.0.1:" + nodes.get(0).port + ",127.0.0.1:" + nodes.get(1).port;
  }

  /**
   * Waits until every running node says {@code cluster_state:ok}, knows three masters serving all
   * 16384 slots, and every master has a replica in sync.
   */
  public void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = problem();
      if (last == null) return;
      Thread.sleep(100);
    }
    throw new AssertionError("cluster not healthy: " + last + "\n" + logs());
  }

  private String problem() {
    for (RedisServer n : nodes) {
      if (!n.running()) continue;
      try {
        String info = n.text("CLUSTER", "INFO");
        if (!info.contains("cluster_state:ok")) return n.port + " state not ok";
        if (!info.contains("cluster_slots_ok:16384")) return n.port + " slots not all ok";
        String nodesText = n.text("CLUSTER", "NODES");
        long masters =
            nodesText
                .lines()
                .filter(l -> l.contains("master") && !l.contains("fail") && l.split(" ").length > 8)
                .count();
        if (masters != 3) return n.port + " sees " + masters + " masters with slots";
      } catch (IOException e) {
        return n.port + ": " + e.getMessage();
      }
    }
    for (RedisServer n : masters()) {
      try {
        String repl = n.text("INFO", "replication");
        if (!repl.contains("connected_slaves:1") || !repl.contains("state=online")) {
          return n.port + " has no replica online";
        }
      } catch (IOException e) {
        return n.port + ": " + e.getMessage();
      }
    }
    return null;
  }

  /** The running nodes that are masters now. */
  public List<RedisServer> masters() {
    List<RedisServer> out = new ArrayList<>();
    for (RedisServer n : nodes) {
      if (!n.running()) continue;
      try {
        if (n.text("INFO", "replication").contains("role:master")) out.add(n);
      } catch (IOException e) {
        // not answering: not a master now
      }
    }
    return out;
  }

  /** The node (a master) serving {@code key}'s slot now. */
  public RedisServer masterOf(String key) throws IOException {
    String slot = nodes.get(0).command("CLUSTER", "KEYSLOT", key).substring(1);
    for (RedisServer n : masters()) {
      for (String line : n.text("CLUSTER", "NODES").lines().toList()) {
        if (!line.contains("myself")) continue;
        String[] f = line.split(" ");
        for (int i = 8; i < f.length; i++) {
          String[] range = f[i].split("-");
          if (range[0].startsWith("[")) continue;
          int lo = Integer.parseInt(range[0]);
          int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
          int s = Integer.parseInt(slot);
          if (s >= lo && s <= hi) return n;
        }
      }
    }
    throw new AssertionError("no master serves slot " + slot);
  }

  /**
   * Moves {@code slots} slots from the master {@code from} to the master {@code to} with {@code
   * redis-cli --cluster reshard}, keys and all.
   */
  public void reshard(RedisServer from, RedisServer to, int slots) throws Exception {
    run(
        List.of(
            cli,
            "--cluster",
            "reshard",
            "127.0.0.1:" + to.port,
            "--cluster-from",
            nodeId(from),
            "--cluster-to",
            nodeId(to),
            "--cluster-slots",
            Integer.toString(slots),
            "--cluster-yes",
            "--cluster-pipeline",
            "100"),
        120);
  }

  public String nodeId(RedisServer n) throws IOException {
    return n.text("CLUSTER", "MYID").strip();
  }

  /** Every key of every master, counted. */
  public long keys() throws IOException {
    long n = 0;
    for (RedisServer m : masters()) n += Long.parseLong(m.command("DBSIZE").substring(1));
    return n;
  }

  private String run(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " did not finish");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new AssertionError(cmd + " failed:\n" + text);
    return text;
  }

  public String logs() {
    return nodes.stream()
        .map(n -> "--- node " + n.port + "\n" + n.log())
        .collect(Collectors.joining("\n"));
  }

  @Override
  public void close() throws Exception {
    for (RedisServer n : nodes) n.close();
  }
}
