package org.greygate.jmh;

import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolLimits;
import org.greygate.bench.RequestFactory;
import org.greygate.store.ClientEntry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;
import org.openjdk.jmh.annotations.*;

/** The decision alone (normalisation, keys, rules), over a plain in-memory map. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBench {
  GreylistEngine engine;
  PolicyRequest[] requests = new PolicyRequest[1024];
  long now = 1_700_000_000L;
  int i;

  @Setup
  public void setUp() throws Exception {
    engine = new GreylistEngine(GreylistConfig.defaults(), new MapStore(), KeyHasher.PLAIN,
        new RecentInstances(10_000), ZoneId.of("UTC"), "bench");
    PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
    for (int k = 0; k < requests.length; k++) {
      byte[] b = RequestFactory.request(k, k);
      int idx = k;
      d.feed(b, 0, b.length, r -> requests[idx] = r);
    }
  }

  @Benchmark
  public Object decide() {
    now += 1; // triplets are new, then retried, then pass, then known
    return engine.decide(requests[i++ & 1023], now, Whitelists.EMPTY);
  }

  /** A HashMap behind the store contract: no I/O, so the rules are all that is measured. */
  static final class MapStore implements TripletStore {
    final Map<String, TripletEntry> t = new HashMap<>();
    final Map<String, ClientEntry> c = new HashMap<>();
    public TripletEntry getTriplet(String k) { return t.get(k); }
    public void putTriplet(String k, TripletEntry e) { t.put(k, e); }
    public ClientEntry getClient(String k) { return c.get(k); }
    public void putClient(String k, ClientEntry e) { c.put(k, e); }
    public SweepProgress sweep(ExpiryRule r, long n, SweepProgress f, int l) { return new SweepProgress(2, null, 0, 0); }
    public long tripletCount() { return t.size(); }
    public long clientCount() { return c.size(); }
    public void forEachTriplet(BiConsumer<String, TripletEntry> a) { t.forEach(a); }
    public void forEachClient(BiConsumer<String, ClientEntry> a) { c.forEach(a); }
    public void flush() {}
    public void close() {}
  }
}
