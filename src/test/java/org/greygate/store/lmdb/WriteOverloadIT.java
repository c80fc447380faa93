package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spam wave faster than the disk: the writer's backlog is full, yet every new triplet is still
 * greylisted (its first-seen time is not kept, so its retry is greylisted once more), not let
 * through with the fail-open answer. Through {@code serve} as a process, with a write backlog of a
 * few dozen writes and commits half a second apart (the longest allowed), so a few hundred requests
 * overload it.
 */
class WriteOverloadIT {
  @TempDir Path dir;

  static final int BACKLOG = 40;
  static final int REQUESTS = 600;

  static Daemon serve(String... args) throws Exception {
    return Daemon.serveWith(List.of("-D" + LmdbStore.WRITE_BACKLOG_PROPERTY + "=" + BACKLOG), args);
  }

  static Map<String, String> request(int id) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "10." + (id >> 16 & 255) + "." + (id >> 8 & 255) + "." + (id & 255));
    m.put("client_name", "unknown");
    m.put("sender", "wave" + id + "@spam.example");
    m.put("recipient", "victim@example.net");
    return m;
  }

  /** The sum of a counter's samples on the daemon's /metrics. */
  static double counter(int port, String name) throws Exception {
    String text;
    try (java.io.InputStream in =
        URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    double sum = 0;
    boolean seen = false;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        seen = true;
      }
    }
    assertTrue(seen, name + " is exported");
    return sum;
  }

  @Test
  void aBurstOfNewTripletsBeyondTheBacklogIsGreylistedEveryOne() throws Exception {
    try (Daemon d =
        serve(
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve("db"),
            "--metrics=127.0.0.1:0",
            "--commit-interval=500",
            "--delay=60",
            Daemon.FAIL_OPEN_OPTION)) {
      int port = d.port();
      int metrics = d.metricsPort();
      int deferred = 0;
      List<String> others = new java.util.ArrayList<>();
      try (PolicyClient c = new PolicyClient(new InetSocketAddress("127.0.0.1", port))) {
        for (int i = 0; i < REQUESTS; i++) {
          String a = c.ask(request(i));
          if (a.startsWith("DEFER_IF_PERMIT Greylisted")) deferred++;
          else if (others.size() < 5) others.add(i + ": " + a);
        }
        assertEquals(REQUESTS, deferred, "every new triplet greylisted; others: " + others);
        // a triplet whose write was dropped has no first-seen time: its retry is greylisted again
        String retry = c.ask(request(REQUESTS - 1));
        assertTrue(retry.startsWith("DEFER_IF_PERMIT Greylisted"), retry);
      }
      assertEquals(0, counter(metrics, "greygate_fail_open_total"), "no fail-open answer");
      double dropped = counter(metrics, "greygate_store_writes_dropped_total");
      // each commit makes room for BACKLOG more; the requests take far less than 500 ms each
      assertTrue(dropped >= REQUESTS / 2, "the writes beyond the backlog are counted: " + dropped);
      d.awaitLine("writes dropped", 5);
      // hundreds of drops within a few seconds, one line: the log is not flooded
      assertEquals(
          1, d.output().lines().filter(l -> l.contains("writes dropped")).count(), d.output());
    }
  }

  /**
   * A wave larger than the first-pass journal's index: every triplet is still greylisted, those
   * beyond the index are written the old way, counted on /metrics and told once in the log.
   */
  @Test
  void newTripletsBeyondAFullJournalIndexAreCountedAndStillRemembered() throws Exception {
    try (Daemon d =
        Daemon.serveWith(
            List.of("-D" + LmdbStore.JOURNAL_CAP_PROPERTY + "=4"),
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve("db"),
            "--metrics=127.0.0.1:0",
            "--delay=60",
            "--trust-policy-test-time",
            Daemon.FAIL_OPEN_OPTION)) {
      int metrics = d.metricsPort();
      long t = System.currentTimeMillis() / 1000;
      try (PolicyClient c = new PolicyClient(new InetSocketAddress("127.0.0.1", d.port()))) {
        for (int i = 0; i < 20; i++) {
          Map<String, String> r = request(i);
          r.put("policy_test_time", Long.toString(t));
          String a = c.ask(r);
          assertTrue(a.startsWith("DEFER_IF_PERMIT Greylisted"), i + ": " + a);
        }
        assertEquals(16, counter(metrics, "greygate_store_journal_full_total"), "beyond the 4");
        // written the old way, they are remembered all the same: each retry after the delay passes
        for (int i = 0; i < 20; i++) {
          Map<String, String> r = request(i);
          r.put("policy_test_time", Long.toString(t + 61));
          String a = c.ask(r);
          assertTrue(a.startsWith("PREPEND"), i + ": " + a);
        }
      }
      d.awaitLine("first-pass journal index full", 5);
      assertEquals(
          1,
          d.output().lines().filter(l -> l.contains("first-pass journal index full")).count(),
          d.output());
    }
  }
}
