package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisCluster;
import org.greygate.testing.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decision's script on two rows of a slot that is being moved ({@code CLUSTER SETSLOT MIGRATING}
 * / {@code IMPORTING}, as a reshard sets them) while one of the rows has left or not yet been
 * created: Redis refuses it with {@code TRYAGAIN}. The daemon tries once more after a short
 * back-off, and the decision is made instead of the fail-open answer.
 */
class RedisTryAgainIT {
  @TempDir Path dir;

  static long tryAgains(RedisServer n) throws Exception {
    for (String l : n.text("INFO", "errorstats").lines().toList()) {
      if (l.startsWith("errorstat_TRYAGAIN:count=")) {
        return Long.parseLong(l.substring("errorstat_TRYAGAIN:count=".length()).strip());
      }
    }
    return 0;
  }

  @Test
  void aTwoRowDecisionRefusedWithTryAgainDuringAMoveIsTriedOnceMoreAndDecided() throws Exception {
    try (RedisCluster cluster = RedisCluster.launch();
        Daemon d =
            Daemon.serve(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("mx"),
                "--store=" + cluster.uri(),
                "--delay=300",
                "--reply-timeout=2000",
                Daemon.FAIL_OPEN_OPTION);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      // the triplet row exists, its client's AWL row (same slot) not yet
      assertTrue(c.ask(RedisClusterFailoverIT.request(7)).startsWith("DEFER_IF_PERMIT"));
      String key = RedisClusterFailoverIT.tripletKey(7);
      String slot = cluster.nodes.get(0).command("CLUSTER", "KEYSLOT", key).substring(1);
      RedisServer source = cluster.masterOf(key);
      RedisServer target =
          cluster.masters().stream().filter(m -> m.port != source.port).findFirst().orElseThrow();
      assertEquals(
          "+OK", target.command("CLUSTER", "SETSLOT", slot, "IMPORTING", cluster.nodeId(source)));
      assertEquals(
          "+OK", source.command("CLUSTER", "SETSLOT", slot, "MIGRATING", cluster.nodeId(target)));
      long before = tryAgains(source);
      // the move is called off as soon as Redis has refused the first try
      AtomicReference<String> abort = new AtomicReference<>("not run");
      Thread mover =
          new Thread(
              () -> {
                try {
                  long deadline = System.nanoTime() + 5_000_000_000L;
                  while (tryAgains(source) == before && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                  }
                  abort.set(
                      source.command("CLUSTER", "SETSLOT", slot, "STABLE")
                          + target.command("CLUSTER", "SETSLOT", slot, "STABLE"));
                } catch (Exception e) {
                  abort.set(e.toString());
                }
              });
      mover.start();
      String answer = c.ask(RedisClusterFailoverIT.request(7));
      mover.join();
      assertEquals("+OK+OK", abort.get());
      assertEquals(before + 1, tryAgains(source), "Redis refused the first try once");
      assertTrue(answer.startsWith("DEFER_IF_PERMIT"), "decided on the second try: " + answer);
    }
  }
}
