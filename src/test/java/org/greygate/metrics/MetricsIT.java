package org.greygate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.greygate.app.MetricsListener;
import org.greygate.greylist.GreylistConfig;
import org.greygate.metrics.prometheus.PrometheusMetrics;
import org.greygate.server.HttpEndpoint;
import org.greygate.server.PolicyServer;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics after a known sequence of requests through the daemon's chain on a real store and a real
 * socket: the numbers are the sequence's, promtool accepts the text, and the sample alert rules
 * pass promtool too. /health follows the store.
 */
class MetricsIT {
  @TempDir Path dir;

  record Http(int status, String body) {}

  static Http get(InetSocketAddress at, String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) new URL("http://127.0.0.1:" + at.getPort() + path).openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    int status = c.getResponseCode();
    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      return new Http(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static Map<String, String> request(String rcpt, long time) {
    Map<String, String> m = TestPolicy.rcpt(rcpt);
    m.put("instance", "i-" + rcpt + time);
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  void promtoolAccepts(String promtool, String text) throws Exception {
    Path scraped = Files.createTempFile(dir, "scrape", ".txt");
    Files.writeString(scraped, text);
    Process p =
        new ProcessBuilder(promtool, "check", "metrics")
            .redirectInput(scraped.toFile())
            .redirectErrorStream(true)
            .start();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "promtool check metrics: " + said);
  }

  /**
   * A series that first appears at 1 is invisible to {@code increase()} and {@code rate()}: the
   * sample alert on store faults would miss a daemon's first faults. So a running daemon's first
   * scrape, before any request, has every failure counter at 0, for each cause it can count.
   */
  @Test
  void failureCountersAreAtZeroFromTheFirstScrape() throws Exception {
    String promtool = Requirements.program("promtool", "/usr/bin/promtool");
    try (Daemon d =
        Daemon.serve(
            "--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--metrics=127.0.0.1:0")) {
      int metricsPort = d.metricsPort();
      Http scrape = get(new InetSocketAddress("127.0.0.1", metricsPort), "/metrics");
      assertEquals(200, scrape.status());
      String text = scrape.body();
      for (String line :
          new String[] {
            "greygate_fail_open_total{cause=\"store unavailable\"} 0.0",
            "greygate_fail_open_total{cause=\"store full\"} 0.0",
            "greygate_fail_open_total{cause=\"store corrupt\"} 0.0",
            "greygate_fail_open_total{cause=\"timeout\"} 0.0",
            "greygate_fail_open_total{cause=\"error\"} 0.0",
            "greygate_store_faults_total{kind=\"unavailable\"} 0.0",
            "greygate_store_faults_total{kind=\"full\"} 0.0",
            "greygate_store_faults_total{kind=\"corrupt\"} 0.0",
            "greygate_reloads_total{result=\"ok\",what=\"whitelists\"} 0.0",
            "greygate_reloads_total{result=\"kept\",what=\"whitelists\"} 0.0",
            "greygate_reloads_total{result=\"ok\",what=\"rules\"} 0.0",
            "greygate_reloads_total{result=\"kept\",what=\"rules\"} 0.0",
            "greygate_connections_total{result=\"accepted\"} 0.0",
            "greygate_connections_total{result=\"refused\"} 0.0",
            "greygate_connections_total{result=\"denied\"} 0.0",
            "greygate_reply_timeouts_total 0.0",
            "greygate_protocol_errors_total 0.0",
          }) {
        assertTrue(text.contains(line + "\n"), line + " not in:\n" + text);
      }
      assertTrue(!text.contains("greygate_decisions_total{"), "no decision yet:\n" + text);
      promtoolAccepts(promtool, text);
    }
  }

  @Test
  void scrapeShowsTheSequenceAndHealthFollowsTheStore() throws Exception {
    String promtool = Requirements.program("promtool", "/usr/bin/promtool");
    Counters counters = new Counters();
    PrometheusMetrics prometheus = new PrometheusMetrics();
    Metrics sink = Metrics.both(counters, prometheus);
    LmdbStore store = LmdbStore.open(dir.resolve("db"));
    PolicyServer server =
        TestPolicy.loopbackServer(
            TestPolicy.chain(store, GreylistConfig.defaults(), true, sink),
            Duration.ofSeconds(2),
            sink);
    sink.pendingWrites(store::pendingWrites);
    HttpEndpoint endpoint =
        MetricsListener.start(
            new InetSocketAddress("127.0.0.1", 0),
            prometheus,
            () -> server.listening() ? store.problem() : "not listening");
    try {
      assertEquals(503, get(endpoint.address(), "/health").status(), "not listening yet");
      SocketAddress a = server.start().get(0);
      try (PolicyClient c = new PolicyClient(a)) {
        for (int i = 0; i < 3; i++) c.ask(request("r" + i + "@example.net", 1000)); // 3 new
        c.ask(request("r0@example.net", 1100)); // early retry
        c.ask(request("r0@example.net", 1300)); // first pass
        c.ask(request("r0@example.net", 1400)); // known
      }
      Http health = get(endpoint.address(), "/health");
      assertEquals(new Http(200, "ok\n"), health);
      Http scrape = get(endpoint.address(), "/metrics");
      assertEquals(200, scrape.status());
      String text = scrape.body();
      for (String line :
          new String[] {
            "greygate_decisions_total{outcome=\"defer\",reason=\"new\"} 3.0",
            "greygate_decisions_total{outcome=\"defer\",reason=\"early-retry\"} 1.0",
            "greygate_decisions_total{outcome=\"prepend\",reason=\"triplet found\"} 1.0",
            "greygate_decisions_total{outcome=\"dunno\",reason=\"triplet found\"} 1.0",
            "greygate_decision_duration_seconds_count 6",
            "greygate_connections_total{result=\"accepted\"} 1.0",
          }) {
        assertTrue(text.contains(line + "\n"), line + " not in:\n" + text);
      }
      assertTrue(text.contains("greygate_decision_duration_seconds_bucket{le=\"0.05\"}"), text);
      assertTrue(text.contains("greygate_pending_writes "), text);
      assertTrue(text.contains("jvm_memory_used_bytes"), text);
      // the same numbers as the stats line's counters
      assertEquals(3, counters.decisions("defer", "new"));

      promtoolAccepts(promtool, text);
      Process rules =
          new ProcessBuilder(promtool, "check", "rules", "config/greygate-alerts.yml")
              .redirectErrorStream(true)
              .start();
      String ruled = new String(rules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, rules.waitFor(), "promtool check rules: " + ruled);

      store.close(); // the store is gone: unhealthy, with the reason
      Http down = get(endpoint.address(), "/health");
      assertEquals(503, down.status());
      assertTrue(down.body().startsWith("unavailable: store "), down.body());
    } finally {
      endpoint.close();
      server.close();
      store.close();
    }
  }
}
