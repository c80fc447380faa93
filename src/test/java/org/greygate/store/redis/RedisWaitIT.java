package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.LaggingLink;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisCluster;
import org.greygate.testing.RedisServer;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --redis-wait-replicas}: a triplet's first sighting is answered only once the replica holds
 * its row (read from the replica itself right after each answer), the replica learning of every
 * write 30 ms late through a {@link LaggingLink}; a replica that stops answering delays the answers
 * only up to {@code --redis-wait-timeout}, and a wait longer than {@code --reply-timeout} gets the
 * fail-open answer in time and leaves nothing behind.
 */
class RedisWaitIT {
  @TempDir Path dir;

  static Map<String, String> request(int network) {
    Map<String, String> m = TestPolicy.rcpt("u@example.net");
    m.put("client_address", "10." + (network / 250) + "." + (network % 250) + ".1");
    return m;
  }

  static String tripletKey(int network) {
    String net = "10." + (network / 250) + "." + (network % 250) + ".0";
    return new RedisCodec("greygate:", false)
        .key(RedisCodec.TRIPLETS, net, net + "/a@example.org/u@example.net");
  }

  Daemon mx(RedisServer master, String name, String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve(name),
                "--store=" + master.uri(),
                "--delay=300",
                Daemon.FAIL_OPEN_OPTION));
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  /** A master and a replica that sees its writes {@code lagMillis} late. */
  record Pair(RedisServer master, LaggingLink link, RedisServer replica) implements AutoCloseable {
    static Pair launch(long lagMillis) throws Exception {
      RedisServer master = RedisServer.launch("--repl-diskless-sync-delay", "0");
      LaggingLink link = LaggingLink.to(master.port, lagMillis);
      RedisServer replica =
          RedisServer.launch("--replicaof", "127.0.0.1", Integer.toString(link.port()));
      master.awaitReplicas(1);
      return new Pair(master, link, replica);
    }

    boolean onReplica(String key) throws Exception {
      return !replica.command("EXISTS", key).equals(":0");
    }

    @Override
    public void close() throws Exception {
      replica.close();
      link.close();
      master.close();
    }
  }

  @Test
  void withTheOptionEveryFirstSightingIsOnTheReplicaWhenItsAnswerArrives() throws Exception {
    try (Pair p = Pair.launch(30)) {
      int n = 40;
      // without the option the answer comes before the replica has the row: the link lags
      int missingWithout = 0;
      try (Daemon d = mx(p.master(), "plain");
          PolicyClient c = PolicyClient.tcp(d.port())) {
        for (int i = 0; i < n; i++) {
          assertTrue(c.ask(request(i)).startsWith("DEFER_IF_PERMIT"), "greylisted " + i);
          if (!p.onReplica(tripletKey(i))) missingWithout++;
        }
      }
      assertTrue(missingWithout > n / 2, "the replica lags: " + missingWithout + " of " + n);

      try (Daemon d = mx(p.master(), "wait", "--redis-wait-replicas=1");
          PolicyClient c = PolicyClient.tcp(d.port())) {
        List<Integer> missing = new ArrayList<>();
        for (int i = n; i < 2 * n; i++) {
          assertTrue(c.ask(request(i)).startsWith("DEFER_IF_PERMIT"), "greylisted " + i);
          if (!p.onReplica(tripletKey(i))) missing.add(i);
        }
        assertEquals(List.of(), missing, "first sightings answered before the replica had them");
        // a retry is no first sighting: answered without waiting, as before
        String again = c.ask(request(n));
        assertTrue(again.startsWith("DEFER_IF_PERMIT"), again);
        assertTrue(!d.output().contains("replica(s) held its row"), d.output());
      }
    }
  }

  @Test
  void aStoppedReplicaDelaysFirstSightingsOnlyUntilTheWaitsTimeout() throws Exception {
    try (Pair p = Pair.launch(0)) {
      try (Daemon d =
              mx(p.master(), "short", "--redis-wait-replicas=1", "--redis-wait-timeout=200");
          PolicyClient c = PolicyClient.tcp(d.port())) {
        assertTrue(c.ask(request(0)).startsWith("DEFER_IF_PERMIT"));
        p.replica().pause();
        try {
          for (int i = 1; i <= 5; i++) {
            long start = System.nanoTime();
            String a = c.ask(request(i));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(a.startsWith("DEFER_IF_PERMIT"), "decided, the row on the master: " + a);
            assertTrue(ms >= 150 && ms < 1000, "waited the wait's timeout, not more: " + ms);
          }
          // a known triplet does not wait at all
          long start = System.nanoTime();
          assertTrue(c.ask(request(1)).startsWith("DEFER_IF_PERMIT"));
          assertTrue((System.nanoTime() - start) / 1_000_000 < 150, "a retry does not wait");
          d.awaitLine("replica(s) held its row", 5);
        } finally {
          p.replica().resume();
        }
      }
    }
  }

  @Test
  void aWaitBeyondTheReplyTimeoutFailsOpenInTimeAndLeavesNothingBehind() throws Exception {
    try (Pair p = Pair.launch(0)) {
      try (Daemon d =
              mx(
                  p.master(),
                  "long",
                  "--redis-wait-replicas=1",
                  "--redis-wait-timeout=900",
                  "--reply-timeout=400");
          PolicyClient c = PolicyClient.tcp(d.port())) {
        p.replica().pause();
        try {
          // more first sightings than the connections that wait: some queue
          for (int i = 0; i < 2 * RedisDurability.CONNECTIONS + 2; i++) {
            long start = System.nanoTime();
            String a = c.ask(request(100 + i));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(Daemon.FAIL_OPEN, a, "the reply deadline answers");
            assertTrue(ms < 1000, "within the reply timeout: " + ms + " ms");
          }
        } finally {
          p.replica().resume();
        }
        // the waits end (the replica acknowledges), their connections come back: new first
        // sightings are confirmed at once
        long deadline = System.nanoTime() + 10_000_000_000L;
        String a = "";
        int i = 200;
        while (System.nanoTime() < deadline) {
          a = c.ask(request(i));
          if (a.startsWith("DEFER_IF_PERMIT")) break;
          i++;
        }
        assertTrue(a.startsWith("DEFER_IF_PERMIT"), "decided again: " + a);
        for (int k = i + 1; k < i + 20; k++) {
          long start = System.nanoTime();
          assertTrue(c.ask(request(k)).startsWith("DEFER_IF_PERMIT"));
          assertTrue((System.nanoTime() - start) / 1_000_000 < 300, "no wait left over");
          assertTrue(p.onReplica(tripletKey(k)), "on the replica: " + k);
        }
      }
    }
  }

  /** The replica of {@code master} in {@code cluster}. */
  static RedisServer replicaOf(RedisCluster cluster, RedisServer master) throws Exception {
    for (RedisServer n : cluster.nodes) {
      if (n.text("INFO", "replication").contains("master_port:" + master.port)) return n;
    }
    throw new AssertionError("no replica of " + master.port);
  }

  /**
   * On a cluster the wait goes to the master that took the row: with one master's replica stopped,
   * first sightings on that master's slots wait the wait's timeout, the others are confirmed at
   * once, and every confirmed row is on its master's replica when the answer arrives.
   */
  @Test
  void onAClusterEachFirstSightingWaitsForTheReplicaOfItsOwnMaster() throws Exception {
    try (RedisCluster cluster = RedisCluster.launch("--enable-debug-command", "yes");
        Daemon d =
            Daemon.serve(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("cluster"),
                "--store=" + cluster.uri(),
                "--delay=300",
                Daemon.FAIL_OPEN_OPTION,
                "--redis-wait-replicas=1",
                "--redis-wait-timeout=300");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      int n = 30;
      for (int i = 0; i < n; i++) {
        assertTrue(c.ask(request(i)).startsWith("DEFER_IF_PERMIT"), "greylisted " + i);
        String key = clusterKey(i);
        RedisServer replica = replicaOf(cluster, cluster.masterOf(key));
        String row = replica.command("DEBUG", "OBJECT", key);
        assertTrue(row.startsWith("+Value"), i + " on its master's replica: " + row);
      }
      RedisServer slow = cluster.masterOf(clusterKey(n));
      RedisServer stopped = replicaOf(cluster, slow);
      // who serves which row, asked before a node stops answering
      boolean[] onSlow = new boolean[3 * n];
      for (int i = n; i < 3 * n; i++) onSlow[i] = cluster.masterOf(clusterKey(i)).port == slow.port;
      stopped.pause();
      try {
        int waited = 0;
        int quick = 0;
        for (int i = n; i < 3 * n; i++) {
          long start = System.nanoTime();
          assertTrue(c.ask(request(i)).startsWith("DEFER_IF_PERMIT"), "greylisted " + i);
          long ms = (System.nanoTime() - start) / 1_000_000;
          if (onSlow[i]) {
            assertTrue(ms >= 250, i + " on the master whose replica stopped waited: " + ms);
            waited++;
          } else {
            assertTrue(ms < 250, i + " on another master did not wait: " + ms + " ms");
            quick++;
          }
        }
        assertTrue(waited > 0 && quick > 0, waited + " waited, " + quick + " did not");
      } finally {
        stopped.resume();
      }
    }
  }

  static String clusterKey(int network) {
    String net = "10." + (network / 250) + "." + (network % 250) + ".0";
    return new RedisCodec("greygate:", true)
        .key(RedisCodec.TRIPLETS, net, net + "/a@example.org/u@example.net");
  }
}
