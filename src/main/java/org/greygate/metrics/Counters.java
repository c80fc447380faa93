package org.greygate.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Totals since start, kept in memory: what the stats line prints. (Latency, sweep and reload
 * figures go to an exporter, which keeps its own; nothing here would read them.) Thread-safe.
 */
public final class Counters implements Metrics {
  /** outcome → reason → count: no key string built per decision. */
  private final Map<String, Map<String, LongAdder>> decisions = new ConcurrentHashMap<>();

  private final Map<String, LongAdder> storeFaults = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failOpen = new ConcurrentHashMap<>();
  private final LongAdder decided = new LongAdder();
  private final LongAdder opened = new LongAdder();
  private final LongAdder closed = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final LongAdder protocolErrors = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final AtomicReference<LongSupplier> pending = new AtomicReference<>(() -> 0);

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
    decided.increment();
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
    return decided.sum();
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
