package org.greygate.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Totals since start, kept in memory: what the stats line prints and what an exporter reads.
 * Decision latency goes into a fixed set of buckets (a histogram), not a list. Thread-safe.
 */
public final class Counters implements Metrics {
  /** Upper bounds of the latency buckets, in microseconds; the last bucket is everything above. */
  public static final long[] LATENCY_BOUNDS_MICROS = {
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 50_000, 250_000, 1_000_000, 5_000_000
  };

  /** outcome → reason → count: no key string built per decision. */
  private final Map<String, Map<String, LongAdder>> decisions = new ConcurrentHashMap<>();

  private final Map<String, LongAdder> storeFaults = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failOpen = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> reloads = new ConcurrentHashMap<>();
  private final LongAdder[] latency = new LongAdder[LATENCY_BOUNDS_MICROS.length + 1];
  private final LongAdder latencyNanos = new LongAdder();
  private final LongAdder opened = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final LongAdder protocolErrors = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder sweptVisited = new LongAdder();
  private final LongAdder sweptDeleted = new LongAdder();
  private final LongAdder sweepRounds = new LongAdder();
  private final AtomicReference<LongSupplier> pending = new AtomicReference<>(() -> 0);

  public Counters() {
    for (int i = 0; i < latency.length; i++) latency[i] = new LongAdder();
  }

  /** The key under which {@link #decisions()} counts an (outcome, reason) pair. */
  public static String decisionKey(String outcome, String reason) {
    return outcome + "/" + reason;
  }

  @Override
  public void decision(String outcome, String reason, long nanos) {
    Map<String, LongAdder> byReason = decisions.get(outcome);
    if (byReason == null) {
      byReason = decisions.computeIfAbsent(outcome, k -> new ConcurrentHashMap<>());
    }
    LongAdder n = byReason.get(reason);
    if (n == null) {
      n = byReason.computeIfAbsent(reason, k -> new LongAdder());
    }
    n.increment();
    long micros = nanos / 1000;
    int i = 0;
    while (i < LATENCY_BOUNDS_MICROS.length && micros > LATENCY_BOUNDS_MICROS[i]) i++;
    latency[i].increment();
    latencyNanos.add(nanos);
  }

  @Override
  public void storeFault(String kind) {
    storeFaults.computeIfAbsent(kind, k -> new LongAdder()).increment();
  }

  @Override
  public void failOpen(String cause) {
    failOpen.computeIfAbsent(cause, k -> new LongAdder()).increment();
  }

  @Override
  public void connectionOpened() {
    opened.increment();
  }

  @Override
  public void connectionClosed() {
    closed.increment();
  }

  @Override
  public void connectionRefused() {
    refused.increment();
  }

  @Override
  public void connectionDenied() {
    denied.increment();
  }

  @Override
  public void protocolError() {
    protocolErrors.increment();
  }

  @Override
  public void replyTimeout() {
    timeouts.increment();
  }

  @Override
  public void pendingWrites(LongSupplier p) {
    pending.set(p);
  }

  @Override
  public void sweepSlice(long visited, long deleted) {
    sweptVisited.add(visited);
    sweptDeleted.add(deleted);
  }

  @Override
  public void sweepRound(long visited, long deleted, long millis) {
    sweepRounds.increment();
  }

  @Override
  public void reload(String what, boolean ok) {
    reloads.computeIfAbsent(what + (ok ? "/ok" : "/kept"), k -> new LongAdder()).increment();
  }

  /** Decisions by {@link #decisionKey}, sorted. */
  public Map<String, Long> decisions() {
    Map<String, Long> out = new TreeMap<>();
    decisions.forEach(
        (o, byReason) -> byReason.forEach((r, n) -> out.put(decisionKey(o, r), n.sum())));
    return out;
  }

  /** Decisions with this outcome, over every reason. */
  public long decisions(String outcome) {
    Map<String, LongAdder> byReason = decisions.get(outcome);
    return byReason == null ? 0 : sum(byReason);
  }

  /** Decisions with this reason, over every outcome. */
  public long decisionsFor(String reason) {
    long n = 0;
    for (Map<String, LongAdder> byReason : decisions.values()) {
      LongAdder a = byReason.get(reason);
      if (a != null) n += a.sum();
    }
    return n;
  }

  /** Decisions with this outcome and reason. */
  public long decisions(String outcome, String reason) {
    Map<String, LongAdder> byReason = decisions.get(outcome);
    LongAdder a = byReason == null ? null : byReason.get(reason);
    return a == null ? 0 : a.sum();
  }

  /** Every decision. */
  public long decisionCount() {
    long n = 0;
    for (LongAdder a : latency) n += a.sum();
    return n;
  }

  /** Decision latency: counts per bucket of {@link #LATENCY_BOUNDS_MICROS}, then the overflow. */
  public long[] latencyBuckets() {
    long[] out = new long[latency.length];
    for (int i = 0; i < out.length; i++) out[i] = latency[i].sum();
    return out;
  }

  /** Sum of every decision's latency, in nanoseconds. */
  public long latencyNanosTotal() {
    return latencyNanos.sum();
  }

  public Map<String, Long> storeFaults() {
    return snapshot(storeFaults);
  }

  public long storeFaultCount() {
    return sum(storeFaults);
  }

  public Map<String, Long> failOpen() {
    return snapshot(failOpen);
  }

  public long failOpenCount() {
    return sum(failOpen);
  }

  public Map<String, Long> reloads() {
    return snapshot(reloads);
  }

  public long connectionsOpened() {
    return opened.sum();
  }

  /** Connections being served now. */
  public long connectionsOpen() {
    return opened.sum() - closed.sum();
  }

  public long connectionsRefused() {
    return refused.sum();
  }

  public long connectionsDenied() {
    return denied.sum();
  }

  public long protocolErrors() {
    return protocolErrors.sum();
  }

  public long replyTimeouts() {
    return timeouts.sum();
  }

  public long pendingWrites() {
    return pending.get().getAsLong();
  }

  public long sweptRows() {
    return sweptVisited.sum();
  }

  public long sweptDeleted() {
    return sweptDeleted.sum();
  }

  public long sweepRounds() {
    return sweepRounds.sum();
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  private static long sum(Map<String, LongAdder> m) {
    long n = 0;
    for (LongAdder a : m.values()) n += a.sum();
    return n;
  }
}
