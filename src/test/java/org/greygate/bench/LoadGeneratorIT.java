package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.metrics.Metrics;
import org.greygate.server.ListenAddress;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;

class LoadGeneratorIT {
  @Test
  void measuresAgainstARealServerAndSendsPostfixShapedRequests() throws Exception {
    AtomicLong seen = new AtomicLong();
    AtomicLong attributes = new AtomicLong();
    PolicyServer server =
        new PolicyServer(
            ServerOptions.listening(List.of(new ListenAddress.Inet("127.0.0.1", 0))).build(),
            TestPolicy.sync(
                r -> {
                  seen.incrementAndGet();
                  attributes.set(r.attributes().size());
                  return r.recipient().endsWith("@rcpt.example") && "RCPT".equals(r.protocolState())
                      ? "DUNNO"
                      : "REJECT bad";
                }),
            Metrics.NONE);
    try {
      SocketAddress a = server.start().get(0);
      LoadGenerator.Result r = new LoadGenerator(a, 2, 1000).run(0.2, 1.0);
      assertTrue(r.requests() > 100, "requests " + r.requests());
      assertEquals(0, r.errors());
      assertEquals(r.requests(), r.answers().get("DUNNO"));
      assertTrue(seen.get() >= r.requests());
      assertTrue(attributes.get() >= 28, "Postfix sends about 30 attributes: " + attributes.get());
      assertTrue(r.latency().percentileMicros(0.5) > 0);
    } finally {
      server.close();
    }
  }

  /** The triplets one run of {@code profile} sent, in order (sender and client identify one). */
  static List<String> sent(LoadGenerator.Profile profile, long keyspace, double seconds)
      throws Exception {
    List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    PolicyServer server =
        new PolicyServer(
            ServerOptions.listening(List.of(new ListenAddress.Inet("127.0.0.1", 0))).build(),
            TestPolicy.sync(
                r -> {
                  seen.add(r.sender() + "|" + r.clientAddress() + "|" + r.recipient());
                  return "DUNNO";
                }),
            Metrics.NONE);
    try {
      new LoadGenerator(server.start().get(0), 4, keyspace, 2, 0, false)
          .profile(profile)
          .run(0, seconds);
    } finally {
      server.close();
    }
    return List.copyOf(seen);
  }

  @Test
  void theProfilesSendWhatTheyPromise() throws Exception {
    List<String> fresh = sent(LoadGenerator.Profile.NEW, 1000, 1.0);
    assertTrue(fresh.size() > 2000, "requests " + fresh.size());
    assertEquals(fresh.size(), new java.util.HashSet<>(fresh).size(), "new: never a repeat");

    List<String> wave = sent(LoadGenerator.Profile.WAVE, 1000, 1.0);
    assertTrue(wave.size() > 2000, "requests " + wave.size());
    assertEquals(wave.size(), new java.util.HashSet<>(wave).size(), "wave: never a repeat");
    // new: consecutive triplets share a client network; wave: scattered over them
    java.util.function.Function<List<String>, Integer> networks =
        l ->
            (int)
                l.stream()
                    .limit(2000)
                    .map(t -> t.split("\\|")[1])
                    .map(a -> a.substring(0, a.lastIndexOf('.')))
                    .distinct()
                    .count();
    assertTrue(networks.apply(fresh) < 100, "new: few networks, " + networks.apply(fresh));
    assertTrue(networks.apply(wave) > 1500, "wave: scattered, " + networks.apply(wave));

    List<String> known = sent(LoadGenerator.Profile.KNOWN, 1_000_000, 1.0);
    assertTrue(new java.util.HashSet<>(known).size() <= 10_000, "known: a set of 10,000 at most");

    List<String> mix = sent(LoadGenerator.Profile.MIX, 1000, 3.0);
    java.util.Map<String, Long> counts = new java.util.HashMap<>();
    for (String t : mix) counts.merge(t, 1L, Long::sum);
    long once = counts.values().stream().filter(n -> n == 1).count();
    double repeated = 1.0 - (double) counts.size() / mix.size();
    assertTrue(
        mix.size() > 4 * LoadGenerator.RETRY_DISTANCE * 1.5,
        "enough requests to reach the retries: " + mix.size());
    assertTrue(once > counts.size() / 2, "mostly new triplets");
    assertTrue(repeated > 0.15 && repeated < 0.45, "retries and the hot set: " + repeated);
  }

  /** A --metrics that does not answer is said before any load, not blamed on the target. */
  @Test
  void benchWithMetricsThatDoNotAnswerSaysSoAtOnce() throws Exception {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    org.greygate.testing.Cli cli = new org.greygate.testing.Cli();
    long t = System.nanoTime();
    int code =
        cli.run(
            "bench",
            "--target=127.0.0.1:" + closed,
            "--metrics=" + closed,
            "--duration=30",
            "--warmup=0");
    assertEquals(1, code, cli.out + "" + cli.err);
    assertTrue(
        cli.err.toString().contains("cannot read http://127.0.0.1:" + closed + "/metrics"),
        cli.err.toString());
    assertTrue(System.nanoTime() - t < 10_000_000_000L, "at once");
  }
}
