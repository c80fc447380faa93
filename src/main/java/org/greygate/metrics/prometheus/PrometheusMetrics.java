package org.greygate.metrics.prometheus;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;

/**
 * Metrics as Prometheus sees them, all named {@code greygate_*}. Thread-safe; every method is a
 * lock-free increment (label children are cached by the client).
 */
public final class PrometheusMetrics implements Metrics {
  /** The features' meters, by identity: each is declared once, fed from any thread. */
  private final java.util.Map<Meter, Object> declared =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter decisions;
  private final Histogram latency;
  private final Counter storeFaults;
  private final Counter failOpen;
  private final Counter connections;
  private final Gauge open;
  private final Counter protocolErrors;
  private final Counter timeouts;
  private final Counter swept;
  private final Counter sweepRounds;
  private final Counter reloads;
  private final AtomicReference<LongSupplier> pending = new AtomicReference<>(() -> 0);
  private final AtomicReference<LongSupplier> dropped = new AtomicReference<>(() -> 0);
  private final AtomicReference<LongSupplier> journalFull = new AtomicReference<>(() -> 0);

  /** Upper bounds of the decision latency buckets, in seconds. */
  static final double[] LATENCY_BOUNDS_SECONDS = {
    50e-6, 100e-6, 250e-6, 500e-6, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5
  };

  public PrometheusMetrics() {
    decisions =
        Counter.builder()
            .name("greygate_decisions_total")
            .help("Requests answered, by what Postfix was told and why")
            .labelNames("outcome", "reason")
            .register(registry);
    latency =
        Histogram.builder()
            .name("greygate_decision_duration_seconds")
            .help("From a request decoded to its answer decided")
            .classicOnly()
            .classicUpperBounds(LATENCY_BOUNDS_SECONDS)
            .register(registry);
    storeFaults =
        Counter.builder()
            .name("greygate_store_faults_total")
            .help("Store failures under a decision, by kind (unavailable, full, corrupt)")
            .labelNames("kind")
            .register(registry);
    failOpen =
        Counter.builder()
            .name("greygate_fail_open_total")
            .help("Answers that were the fail-open action, by cause")
            .labelNames("cause")
            .register(registry);
    connections =
        Counter.builder()
            .name("greygate_connections_total")
            .help("Connections, by what became of them (accepted, refused at the cap, denied)")
            .labelNames("result")
            .register(registry);
    open =
        Gauge.builder()
            .name("greygate_connections_open")
            .help("Connections being served now")
            .register(registry);
    protocolErrors =
        Counter.builder()
            .name("greygate_protocol_errors_total")
            .help("Connections closed for breaking the protocol or a limit")
            .register(registry);
    timeouts =
        Counter.builder()
            .name("greygate_reply_timeouts_total")
            .help("Requests answered at the reply deadline")
            .register(registry);
    swept =
        Counter.builder()
            .name("greygate_sweep_rows_total")
            .help("Rows the expiry sweep looked at and deleted")
            .labelNames("what")
            .register(registry);
    sweepRounds =
        Counter.builder()
            .name("greygate_sweep_rounds_total")
            .help("Expiry sweep rounds finished")
            .register(registry);
    reloads =
        Counter.builder()
            .name("greygate_reloads_total")
            .help("Configuration reloads, by file set and result (ok, or kept the previous)")
            .labelNames("what", "result")
            .register(registry);
    GaugeWithCallback.builder()
        .name("greygate_pending_writes")
        .help("Writes the store accepted and has not yet made durable")
        .callback(cb -> cb.call(pending.get().getAsLong()))
        .register(registry);
    CounterWithCallback.builder()
        .name("greygate_store_writes_dropped_total")
        .help(
            "Writes the store dropped because its writer fell behind: the answers stood, the rows"
                + " were not kept (a new triplet's retry is greylisted once more); not fail-open")
        .callback(cb -> cb.call(dropped.get().getAsLong()))
        .register(registry);
    CounterWithCallback.builder()
        .name("greygate_store_journal_full_total")
        .help(
            "New triplets the embedded store wrote into its triplet table (random inserts, slower"
                + " under a spam wave) because its first-pass journal's index was full")
        .callback(cb -> cb.call(journalFull.get().getAsLong()))
        .register(registry);
    JvmMetrics.builder().register(registry);
    // every series a failure can raise exists at 0 from the first scrape: one that appears with
    // its first event at 1 is invisible to increase() and rate(), and an alert on it would miss
    // the first faults
    for (String kind : STORE_FAULT_KINDS) storeFaults.labelValues(kind);
    for (String cause : FAIL_OPEN_CAUSES) failOpen.labelValues(cause);
    reloadable(RELOAD_WHITELISTS);
    for (String result : List.of("accepted", "refused", "denied")) {
      connections.labelValues(result);
    }
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void decision(String outcome, String reason, long nanos) {
    decisions.labelValues(outcome, reason).inc();
    latency.observe(nanos / 1e9);
  }

  @Override
  public void storeFault(String kind) {
    storeFaults.labelValues(kind).inc();
  }

  @Override
  public void failOpen(String cause) {
    failOpen.labelValues(cause).inc();
  }

  @Override
  public void connectionOpened() {
    connections.labelValues("accepted").inc();
    open.inc();
  }

  @Override
  public void connectionClosed() {
    open.dec();
  }

  @Override
  public void connectionRefused() {
    connections.labelValues("refused").inc();
  }

  @Override
  public void connectionDenied() {
    connections.labelValues("denied").inc();
  }

  @Override
  public void protocolError() {
    protocolErrors.inc();
  }

  @Override
  public void replyTimeout() {
    timeouts.inc();
  }

  @Override
  public void pendingWrites(LongSupplier p) {
    pending.set(p);
  }

  @Override
  public void droppedWrites(LongSupplier d) {
    dropped.set(d);
  }

  @Override
  public void journalFull(LongSupplier f) {
    journalFull.set(f);
  }

  @Override
  public void sweepSlice(long visited, long deleted) {
    swept.labelValues("visited").inc(visited);
    swept.labelValues("deleted").inc(deleted);
  }

  @Override
  public void sweepRound(long visited, long deleted, long millis) {
    sweepRounds.inc();
  }

  @Override
  public void reloadable(String what) {
    reloads.labelValues(what, "ok");
    reloads.labelValues(what, "kept");
  }

  @Override
  public synchronized void declare(Meter meter) {
    if (declared.containsKey(meter)) return;
    String[] labels = meter.labels().toArray(String[]::new);
    Object m =
        meter.kind() == Meter.Kind.COUNTER
            ? Counter.builder()
                .name(meter.name())
                .help(meter.help())
                .labelNames(labels)
                .register(registry)
            : Gauge.builder()
                .name(meter.name())
                .help(meter.help())
                .labelNames(labels)
                .register(registry);
    declared.put(meter, m);
  }

  @Override
  public void add(Meter meter, double amount, String... labels) {
    if (declared.get(meter) instanceof Counter c) c.labelValues(labels).inc(amount);
  }

  @Override
  public void set(Meter meter, double value, String... labels) {
    if (declared.get(meter) instanceof Gauge g) g.labelValues(labels).set(value);
  }

  @Override
  public void reload(String what, boolean ok) {
    reloads.labelValues(what, ok ? "ok" : "kept").inc();
  }
}
