package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisSentinel;
import org.greygate.testing.RedisServer;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Sentinel, real master and replica: the master is killed, the Sentinel promotes the replica,
 * greygate follows it (asking the Sentinel for the new master) and what it wrote before the
 * failover is still there.
 */
class SentinelFailoverIT {
  @TempDir Path dir;

  @Test
  void answersContinueThroughAFailoverAndStateWrittenBeforeIsKept() throws Exception {
    try (RedisServer master = RedisServer.launch()) {
      RedisServer replica =
          RedisServer.launch("--replicaof", "127.0.0.1", Integer.toString(master.port));
      try (replica;
          RedisSentinel sentinel = RedisSentinel.watch(master);
          Daemon mx =
              Daemon.serve(
                  "--inet=127.0.0.1:0",
                  "--dbdir=" + dir.resolve("a"),
                  "--store=redis-sentinel://127.0.0.1:" + sentinel.port + "/mymaster",
                  "--delay=3",
                  "--reply-timeout=500");
          PolicyClient c = PolicyClient.tcp(mx.port())) {
        Map<String, String> m = TestPolicy.rcpt("f@example.net");
        assertTrue(c.ask(m).startsWith("DEFER_IF_PERMIT"));
        long greylistedAt = System.nanoTime();
        master.awaitReplicas(1); // what was written has reached the replica
        master.kill();
        // during the failover: answers keep coming, fail-open while there is no master
        long deadline = System.nanoTime() + 30_000_000_000L;
        String answer = "";
        int answered = 0;
        while (System.nanoTime() < deadline) {
          long start = System.nanoTime();
          Map<String, String> probe = TestPolicy.rcpt("probe" + answered + "@example.net");
          answer = c.ask(probe);
          answered++;
          assertTrue(
              (System.nanoTime() - start) / 1_000_000 < 1500, "every answer within the deadline");
          if (answer.startsWith("DEFER_IF_PERMIT")) break; // the promoted replica decides
          Thread.sleep(200);
        }
        assertTrue(
            answer.startsWith("DEFER_IF_PERMIT"),
            "greylisting on the new master: "
                + answer
                + "\n"
                + sentinel.log()
                + "\n"
                + mx.output());
        long waited = (System.nanoTime() - greylistedAt) / 1_000_000;
        if (waited < 3200) Thread.sleep(3200 - waited);
        String pass = c.ask(m);
        assertTrue(
            pass.startsWith("PREPEND X-Greylist: delayed"),
            "the triplet greylisted before the failover passes after it: " + pass);
      }
    }
  }
}
