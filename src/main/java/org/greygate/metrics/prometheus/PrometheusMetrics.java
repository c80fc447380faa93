package org.greygate.metrics.prometheus;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.greygate.metrics.Metrics;

/**
 * Metrics as Prometheus sees them, all named {@code greygate_*}. Thread-safe; every method is a
 * lock-free increment (label children are cached by the client).
 */
public final class PrometheusMetrics implements Metrics {
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
  private final Counter queueReads;
  private final Gauge queueMessages;
  private final Gauge queueBytes;
  private final Counter queueAlerts;
  private final Counter dnsLists;
  private final Counter spf;
  private final Counter mailLog;
  private final AtomicReference<LongSupplier> pending = new AtomicReference<>(() -> 0);

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
    queueReads =
        Counter.builder()
            .name("greygate_queue_reads_total")
            .help("Readings of Postfix's queue (postqueue -j), by result (ok, failed)")
            .labelNames("result")
            .register(registry);
    queueMessages =
        Gauge.builder()
            .name("greygate_queue_messages")
            .help("Messages in each of Postfix's queues at the last reading")
            .labelNames("queue")
            .register(registry);
    queueBytes =
        Gauge.builder()
            .name("greygate_queue_bytes")
            .help("Bytes of the messages in each of Postfix's queues at the last reading")
            .labelNames("queue")
            .register(registry);
    dnsLists =
        Counter.builder()
            .name("greygate_dns_list_answers_total")
            .help(
                "DNS list answers by result (listed, not-listed, refused, bogus, error) and"
                    + " requests whose DNS budget ran out (timeout)")
            .labelNames("result")
            .register(registry);
    spf =
        Counter.builder()
            .name("greygate_spf_checks_total")
            .help(
                "SPF checks for retry grouping by result (pass groups the retry by sender domain;"
                    + " timeout: the DNS budget ran out) and whether the answer was cached")
            .labelNames("result", "cached")
            .register(registry);
    queueAlerts =
        Counter.builder()
            .name("greygate_queue_alerts_total")
            .help("Queue watch alerts (watermark, released, volume) and their clears")
            .labelNames("alert")
            .register(registry);
    mailLog =
        Counter.builder()
            .name("greygate_mail_log_lines_total")
            .help("Mail log lines the queue watch counted: released from hold, delivery attempts")
            .labelNames("what")
            .register(registry);
    GaugeWithCallback.builder()
        .name("greygate_pending_writes")
        .help("Writes the store accepted and has not yet made durable")
        .callback(cb -> cb.call(pending.get().getAsLong()))
        .register(registry);
    JvmMetrics.builder().register(registry);
    // every series a failure can raise exists at 0 from the first scrape: one that appears with
    // its first event at 1 is invisible to increase() and rate(), and an alert on it would miss
    // the first faults
    for (String kind : STORE_FAULT_KINDS) storeFaults.labelValues(kind);
    for (String cause : FAIL_OPEN_CAUSES) failOpen.labelValues(cause);
    for (String what : List.of(RELOAD_WHITELISTS, RELOAD_RULES)) {
      reloads.labelValues(what, "ok");
      reloads.labelValues(what, "kept");
    }
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
  public void sweepSlice(long visited, long deleted) {
    swept.labelValues("visited").inc(visited);
    swept.labelValues("deleted").inc(deleted);
  }

  @Override
  public void sweepRound(long visited, long deleted, long millis) {
    sweepRounds.inc();
  }

  @Override
  public void reload(String what, boolean ok) {
    reloads.labelValues(what, ok ? "ok" : "kept").inc();
  }

  @Override
  public void queueRead(boolean ok) {
    queueReads.labelValues(ok ? "ok" : "failed").inc();
  }

  @Override
  public void queueSize(String queue, long messages, long bytes) {
    queueMessages.labelValues(queue).set(messages);
    queueBytes.labelValues(queue).set(bytes);
  }

  @Override
  public void dnsList(String result) {
    dnsLists.labelValues(result).inc();
  }

  @Override
  public void spf(String result, boolean cached) {
    spf.labelValues(result, cached ? "true" : "false").inc();
  }

  @Override
  public void queueAlert(String alert) {
    queueAlerts.labelValues(alert).inc();
  }

  @Override
  public void mailLogSeen(String what, long lines) {
    mailLog.labelValues(what).inc(lines);
  }
}
