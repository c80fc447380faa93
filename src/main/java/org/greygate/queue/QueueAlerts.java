package org.greygate.queue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.greygate.config.Durations;

/**
 * When the watch alerts, as a pure function of what it has read and the time: no I/O, no clock.
 *
 * <ul>
 *   <li>A queue at or past its watermark alerts once, again every {@code repeat} while it stays
 *       there (with {@code since=}), and logs a clear when it falls below.
 *   <li>{@code releaseThreshold} or more messages released from hold (or requeued, which releases
 *       held mail too) within one interval alert, each such interval: a mass release is an event,
 *       not a state.
 *   <li>Deliveries in the last volume window above {@code volumeFactor} × the trailing baseline's
 *       mean for such a window (and at least {@code volumeMin}) alert once, and clear when the rate
 *       is back under; the baseline is judged only once it holds a quarter of its span (at least
 *       three windows).
 *   <li>{@code releaseBurst} or more messages put on hold and as many released (or requeued) within
 *       the trailing hour alert once ({@code alert=hold-release}), and clear when either count
 *       falls back under.
 * </ul>
 *
 * Not thread-safe: one watch thread drives it.
 */
final class QueueAlerts {
  private final QueueWatchConfig config;
  private final Map<String, Long> pastSince = new HashMap<>();
  private final Map<String, Long> lastAlert = new HashMap<>();
  private final ArrayDeque<Long> baseline = new ArrayDeque<>();
  private long baselineSum;
  private boolean volumeHigh;
  private final ArrayDeque<Long> recent = new ArrayDeque<>();
  private long recentSum;
  private final ArrayDeque<Long> hourHeld = new ArrayDeque<>();
  private final ArrayDeque<Long> hourReleased = new ArrayDeque<>();
  private long heldSum;
  private long releasedSum;
  private boolean holdReleaseHigh;

  QueueAlerts(QueueWatchConfig config) {
    this.config = config;
  }

  /** Events for one reading of the queues at {@code now} (epoch seconds). */
  List<QueueEvent> queues(QueueCounts counts, long now) {
    List<QueueEvent> out = new ArrayList<>();
    for (Watermark w : config.watermarks()) {
      QueueCounts.Totals t = counts.get(w.queue());
      String key = w.toString();
      List<String> fields =
          new ArrayList<>(
              List.of(
                  "alert=watermark",
                  "queue=" + w.queue(),
                  "count=" + t.messages(),
                  "threshold=" + w.threshold(),
                  "bytes=" + t.bytes()));
      Long since = pastSince.get(key);
      if (t.messages() >= w.threshold()) {
        if (since == null) {
          pastSince.put(key, now);
          lastAlert.put(key, now);
          out.add(new QueueEvent(QueueEvent.ALERT, fields));
        } else if (now - lastAlert.get(key) >= config.repeatSeconds()) {
          lastAlert.put(key, now);
          fields.add("since=" + Durations.text(now - since));
          out.add(new QueueEvent(QueueEvent.ALERT, fields));
        }
      } else if (since != null) {
        pastSince.remove(key);
        lastAlert.remove(key);
        fields.add("lasted=" + Durations.text(now - since));
        out.add(new QueueEvent(QueueEvent.CLEAR, fields));
      }
    }
    return out;
  }

  /** As {@link #mailLog(long, long, long, long)} without holds. */
  List<QueueEvent> mailLog(long released, long requeued, long deliveries) {
    return mailLog(released, requeued, deliveries, 0);
  }

  /**
   * Events for one interval of the mail log: messages released from hold ({@code postsuper -H}),
   * requeued ({@code postsuper -r}, which releases held mail too), delivery attempts and messages
   * put on hold.
   */
  List<QueueEvent> mailLog(long released, long requeued, long deliveries, long held) {
    List<QueueEvent> out = new ArrayList<>();
    String window = "window=" + Durations.text(config.intervalSeconds());
    if (released >= config.releaseThreshold()) {
      out.add(
          new QueueEvent(
              QueueEvent.ALERT,
              List.of(
                  "alert=released",
                  "queue=hold",
                  "count=" + released,
                  "threshold=" + config.releaseThreshold(),
                  window)));
    }
    if (requeued >= config.releaseThreshold()) {
      out.add(
          new QueueEvent(
              QueueEvent.ALERT,
              List.of(
                  "alert=requeued",
                  "count=" + requeued,
                  "threshold=" + config.releaseThreshold(),
                  window)));
    }
    if (config.releaseBurst() > 0) holdRelease(held, released + requeued, out);
    if (config.volumeFactor() > 0) volume(deliveries, out);
    return out;
  }

  /** Many messages held and many released within the trailing hour: said once, then cleared. */
  private void holdRelease(long held, long released, List<QueueEvent> out) {
    hourHeld.addLast(held);
    hourReleased.addLast(released);
    heldSum += held;
    releasedSum += released;
    while (hourHeld.size() > config.hourIntervals()) {
      heldSum -= hourHeld.removeFirst();
      releasedSum -= hourReleased.removeFirst();
    }
    boolean burst = heldSum >= config.releaseBurst() && releasedSum >= config.releaseBurst();
    if (burst == holdReleaseHigh) return;
    holdReleaseHigh = burst;
    out.add(
        new QueueEvent(
            burst ? QueueEvent.ALERT : QueueEvent.CLEAR,
            List.of(
                "alert=hold-release",
                "held=" + heldSum,
                "released=" + releasedSum,
                "threshold=" + config.releaseBurst(),
                "window=1h")));
  }

  /**
   * Deliveries in the last volume window against FACTOR × the baseline's mean for a window of that
   * length (the baseline is kept per interval; the current interval is not in it yet).
   */
  private void volume(long deliveries, List<QueueEvent> out) {
    int k = config.windowIntervals();
    recent.addLast(deliveries);
    recentSum += deliveries;
    while (recent.size() > k) recentSum -= recent.removeFirst();
    int span = config.baselineIntervals();
    int needed = Math.min(span, Math.max(3 * k, span / 4));
    if (baseline.size() >= needed && recent.size() == k) {
      double mean = (double) baselineSum / baseline.size() * k;
      double limit = config.volumeFactor() * mean;
      List<String> fields =
          List.of(
              "alert=volume",
              "count=" + recentSum,
              "baseline=" + String.format(Locale.ROOT, "%.1f", mean),
              "factor=" + factor(config.volumeFactor()),
              "window=" + Durations.text(config.volumeWindowSeconds()));
      boolean high = recentSum >= config.volumeMin() && recentSum > limit;
      if (high && !volumeHigh) out.add(new QueueEvent(QueueEvent.ALERT, fields));
      if (!high && volumeHigh) out.add(new QueueEvent(QueueEvent.CLEAR, fields));
      volumeHigh = high;
    }
    baseline.addLast(deliveries);
    baselineSum += deliveries;
    while (baseline.size() > span) baselineSum -= baseline.removeFirst();
  }

  private static String factor(double f) {
    return f == Math.rint(f) ? Long.toString((long) f) : Double.toString(f);
  }
}
