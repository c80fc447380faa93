package org.greygate.queue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.greygate.config.InvalidSetting;
import org.greygate.logline.SyslogLine;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.queue.audit.QueueToolAudit;
import org.greygate.queue.audit.ToolEvent;
import org.greygate.queue.hooks.HookConfig;
import org.greygate.queue.hooks.HookSettings;
import org.greygate.queue.hooks.ResponseHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every interval: reads Postfix's queues, reports their sizes to the metrics, follows the mail log
 * for releases from hold and deliveries, and logs each alert ({@code action=queue-alert, ...}, at
 * WARN) and each clear ({@code action=queue-clear, ...}). A failing {@code postqueue} or an
 * unreadable log is logged when it starts and when it ends, not every interval, and never stops the
 * watch.
 */
public final class QueueWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueueWatch.class);
  private static final Logger events = LoggerFactory.getLogger("greygate.queue");
  private static final long MAX_LOG_BYTES_PER_ROUND = 256L << 20;

  private final QueueWatchConfig config;
  private final Metrics metrics;
  private final boolean json;
  private final LongSupplier clock;
  private final PostqueueReader reader;
  private final MailLogTail tail;
  private final QueueAlerts alerts;
  private volatile ScheduledExecutorService thread;

  /** How long after a failed reading the queues are read again, once. */
  static final long RETRY_MILLIS = 200;

  /** Watch thread only: a reading failed and its retry is scheduled. */
  private boolean retryScheduled;

  private final ResponseHooks hooks;
  private volatile String problem;
  private String logProblem;
  private volatile QueueCounts last;
  private String lastHeld;
  private final MailLogTail authTail;
  private final MailLogTail auditTail;
  private final QueueToolAudit toolAudit;
  private final Map<java.nio.file.Path, String> toolLogProblems = new HashMap<>();

  static final Meter READS =
      Meter.counter(
          "greygate_queue_reads_total",
          "Readings of Postfix's queue (postqueue -j), by result (ok, failed)",
          "result");
  static final Meter MESSAGES =
      Meter.gauge(
          "greygate_queue_messages",
          "Messages in each of Postfix's queues at the last reading",
          "queue");
  static final Meter BYTES =
      Meter.gauge(
          "greygate_queue_bytes",
          "Bytes of the messages in each of Postfix's queues at the last reading",
          "queue");
  static final Meter ALERTS =
      Meter.counter(
          "greygate_queue_alerts_total",
          "Queue watch alerts (watermark, released, volume) and their clears",
          "alert");
  static final Meter MAIL_LOG =
      Meter.counter(
          "greygate_mail_log_lines_total",
          "Mail log lines the queue watch counted: released from hold, delivery attempts",
          "what");
  static final Meter TOOL_ALERTS =
      Meter.counter(
          "greygate_queue_tool_alerts_total",
          "Alerts on who ran Postfix's queue tools (auth and audit logs), by severity and tool",
          "severity",
          "tool");

  /**
   * @param json log alerts as JSON objects (as {@code --log-format=json} does decisions)
   * @param clock epoch seconds
   */
  public QueueWatch(QueueWatchConfig config, Metrics metrics, boolean json, LongSupplier clock) {
    for (Meter m : List.of(READS, MESSAGES, BYTES, ALERTS, MAIL_LOG, TOOL_ALERTS)) {
      metrics.declare(m);
    }
    this.config = config;
    this.metrics = metrics;
    this.json = json;
    this.clock = clock;
    long timeout = Math.max(10, Math.min(config.intervalSeconds(), 120));
    this.reader = new PostqueueReader(config.postqueue(), Duration.ofSeconds(timeout));
    this.tail = config.mailLog() == null ? null : new MailLogTail(config.mailLog());
    this.alerts = new QueueAlerts(config);
    var audit = config.audit();
    this.authTail = audit.authLog() == null ? null : new MailLogTail(audit.authLog());
    this.auditTail = audit.auditLog() == null ? null : new MailLogTail(audit.auditLog());
    this.toolAudit = audit.enabled() ? new QueueToolAudit(audit.admins()) : null;
    this.hooks = hooks(config.hooks(), metrics);
  }

  private static ResponseHooks hooks(HookConfig config, Metrics metrics) {
    if (!config.any()) return null;
    try {
      return ResponseHooks.start(config, metrics);
    } catch (IOException e) {
      throw new InvalidSetting(HookSettings.ALERT_WEBHOOK_SECRET.name(), e.getMessage());
    }
  }

  /**
   * Hands an alert raised beside the watch (the spool watch's) to the response hooks, as the
   * watch's own alerts are.
   */
  public void alsoAlert(String json) {
    if (hooks != null) hooks.fire(json);
  }

  /** Reads the queues once, without alerting (for {@code greygate queue-watch --once}). */
  public QueueCounts readOnce() throws IOException {
    return reader.read();
  }

  /** Runs {@link #round} every interval on its own thread, the first at once. */
  public synchronized void start() {
    if (thread != null) return;
    thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "queue-watch");
              t.setDaemon(true);
              return t;
            });
    begin();
    thread.scheduleAtFixedRate(
        () -> {
          try {
            round();
          } catch (RuntimeException e) {
            log.warn("queue watch round failed", e);
          }
        },
        0,
        config.intervalSeconds(),
        TimeUnit.SECONDS);
    log.info(
        "queue watch: {} every {}s, watermarks {}{}{}",
        reader,
        config.intervalSeconds(),
        config.watermarks().isEmpty() ? "none" : config.watermarks(),
        tail == null ? ", no mail log" : ", following " + config.mailLog(),
        toolAudit == null
            ? ""
            : ", queue tools from "
                + (authTail == null ? "" : authTail.path() + " ")
                + (auditTail == null ? "" : auditTail.path()));
  }

  /** Positions at the mail log's end: lines written from now on count in the first round. */
  void begin() {
    if (tail != null) pollLog();
    if (toolAudit != null) {
      pollToolLogs();
      toolAudit.endOfRound(); // history is not replayed
    }
  }

  /** One interval: the queues, then the mail log. Returns the events it logged. */
  List<QueueEvent> round() {
    List<QueueEvent> out = new ArrayList<>();
    readQueues(clock.getAsLong(), out, true);
    if (tail != null) {
      long[] seen = pollLog();
      if (seen != null) out.addAll(alerts.mailLog(seen[0], seen[2], seen[1], seen[3]));
    }
    emit(out);
    if (toolAudit != null) {
      pollToolLogs();
      for (ToolEvent e : toolAudit.endOfRound()) {
        String line = json ? e.json() : e.text();
        if (e.alert()) {
          metrics.add(TOOL_ALERTS, 1, e.severity(), e.meterTool());
          if (hooks != null) hooks.fire(e.json());
          events.warn(line);
        } else {
          events.info(line);
        }
        out.add(new QueueEvent(e.action(), e.fields()));
      }
    }
    return out;
  }

  private void pollToolLogs() {
    if (authTail != null) pollToolLog(authTail, toolAudit::authLine);
    if (auditTail != null) pollToolLog(auditTail, toolAudit::auditLine);
  }

  /** Reads what {@code t} has new; an unreadable log is said once, and once when it reads again. */
  private void pollToolLog(MailLogTail t, Consumer<String> lines) {
    try {
      t.poll(lines, MAX_LOG_BYTES_PER_ROUND);
      if (toolLogProblems.remove(t.path()) != null) {
        log.info("queue watch: {} readable again", t.path());
      }
    } catch (IOException e) {
      if (toolLogProblems.put(t.path(), e.toString()) == null) {
        log.warn("queue watch: cannot read {}: {}", t.path(), e.toString());
      }
    }
    long skipped = t.takeOverLong();
    if (skipped > 0) log.warn("queue watch: {} lines of {} over 64 KiB skipped", skipped, t.path());
  }

  /**
   * Released, delivered, requeued and held since the last poll, or null if the log is unreadable.
   */
  private long[] pollLog() {
    long[] seen = new long[4];
    try {
      tail.poll(
          text -> {
            SyslogLine line = SyslogLine.parse(text);
            if (MailLogLines.delivery(line, config.agents())) {
              seen[1]++;
            } else {
              seen[0] += MailLogLines.releasedFromHold(line);
              seen[2] += MailLogLines.requeued(line);
              seen[3] += MailLogLines.placedOnHold(line);
              String id = MailLogLines.heldQueueId(line);
              // smtpd logs a HOLD once per recipient: a message is counted once
              if (id != null && !id.equals(lastHeld)) {
                seen[3]++;
                lastHeld = id;
              }
            }
          },
          MAX_LOG_BYTES_PER_ROUND);
      if (logProblem != null) log.info("queue watch: {} readable again", tail.path());
      logProblem = null;
    } catch (IOException e) {
      if (logProblem == null)
        log.warn("queue watch: cannot read {}: {}", tail.path(), e.toString());
      logProblem = e.toString();
      return null;
    }
    if (seen[0] > 0) metrics.add(MAIL_LOG, seen[0], "released");
    if (seen[1] > 0) metrics.add(MAIL_LOG, seen[1], "delivery");
    if (seen[2] > 0) metrics.add(MAIL_LOG, seen[2], "requeued");
    if (seen[3] > 0) metrics.add(MAIL_LOG, seen[3], "held");
    long skipped = tail.takeOverLong();
    if (skipped > 0) metrics.add(MAIL_LOG, skipped, "skipped");
    return seen;
  }

  /**
   * The queues' sizes into metrics and alerts. A listing taken while Postfix is busy can fail once
   * ("malformed showq server response"): with {@code mayRetry}, and the watch running on its
   * thread, the failure is not reported but read again {@link #RETRY_MILLIS} later, on that thread,
   * which tells a moment's hiccup from a real fault without holding the round up.
   */
  private void readQueues(long now, List<QueueEvent> out, boolean mayRetry) {
    if (retryScheduled) return; // the retry reads the queues of this interval
    try {
      QueueCounts counts = reader.read();
      last = counts;
      metrics.add(READS, 1, "ok");
      for (String q : counts.queues().keySet()) {
        QueueCounts.Totals t = counts.get(q);
        metrics.set(MESSAGES, t.messages(), q);
        metrics.set(BYTES, t.bytes(), q);
      }
      if (problem != null) log.info("queue watch: {} works again", reader);
      problem = null;
      if (counts.unreadable() > 0) {
        log.warn(
            "queue watch: {} lines of {} output were not understood", counts.unreadable(), reader);
      }
      out.addAll(alerts.queues(counts, now));
    } catch (IOException e) {
      ScheduledExecutorService t = thread;
      if (mayRetry && t != null) {
        retryScheduled = true;
        t.schedule(this::retry, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      metrics.add(READS, 1, "failed");
      if (problem == null)
        log.warn("queue watch: {}; the queue sizes keep their last values", e.getMessage());
      problem = e.getMessage();
    }
  }

  /** The second reading of an interval whose first failed; its failure is reported. */
  private void retry() {
    retryScheduled = false;
    try {
      List<QueueEvent> out = new ArrayList<>();
      readQueues(clock.getAsLong(), out, false);
      emit(out);
    } catch (RuntimeException e) {
      log.warn("queue watch: reading the queues again failed", e);
    }
  }

  /** Counts, logs and hands the events to the hooks. */
  private void emit(List<QueueEvent> out) {
    for (QueueEvent e : out) {
      metrics.add(ALERTS, 1, e.get("alert") + (e.alert() ? "" : "-clear"));
      String line = json ? e.json() : e.text();
      if (e.alert() && hooks != null) hooks.fire(e.json());
      if (e.alert()) events.warn(line);
      else events.info(line);
    }
  }

  /** The last reading, or null before the first one succeeded. */
  public QueueCounts last() {
    return last;
  }

  /** Why the last reading failed, or null when it worked. */
  public String problem() {
    return problem;
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.shutdownNow();
      try {
        thread.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
    }
    if (hooks != null) hooks.close();
    for (MailLogTail t : java.util.Arrays.asList(tail, authTail, auditTail)) {
      if (t == null) continue;
      try {
        t.close();
      } catch (IOException e) {
        log.debug("closing {}", t.path(), e);
      }
    }
  }
}
