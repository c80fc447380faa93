package org.greygate.jmh;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.greygate.app.ChainFactory;
import org.greygate.app.PolicyConfig;
import org.greygate.bench.RequestFactory;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolLimits;
import org.greygate.store.memory.MemoryStore;
import org.greygate.whitelist.Whitelists;
import org.openjdk.jmh.annotations.*;

/**
 * The decision alone (the daemon's chain: gate, whitelists, normalisation, keys, rules) over the
 * in-memory store, so no I/O is measured. The decision log is off (-q in the daemon).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBench {
  PolicyChain chain;
  PolicyRequest[] requests = new PolicyRequest[1024];
  int i;

  @Setup
  public void setUp() throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("greygate.decision"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    chain = ChainFactory.create(
        new PolicyConfig(GreylistConfig.defaults(), PolicyConfig.DUNNO, true, 10_000,
            java.time.ZoneId.of("UTC"), "bench"),
        new MemoryStore(), () -> Whitelists.EMPTY, KeyHasher.PLAIN, Clock.systemUTC(), Metrics.NONE);
    PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
    for (int k = 0; k < requests.length; k++) {
      byte[] b = RequestFactory.request(k, k);
      int idx = k;
      d.feed(b, 0, b.length, r -> requests[idx] = r);
    }
  }

  @Benchmark
  public Outcome decide() {
    return chain.decide(requests[i++ & 1023]).toCompletableFuture().join();
  }
}
