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
 *   <li>Deliveries in one interval above {@code volumeFactor} × the mean of the trailing baseline
 *       (and at least {@code volumeMin}) alert once, and clear when the rate is back under; the
 *       baseline is judged only once it holds a quarter of its span (at least three intervals).
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

  /**
   * Events for one interval of the mail log: messages released from hold ({@code postsuper -H}),
   * requeued ({@code postsuper -r}, which releases held mail too) and delivery attempts.
   */
  List<QueueEvent> mailLog(long released, long requeued, long deliveries) {
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
    if (config.volumeFactor() > 0) {
      int span = config.baselineIntervals();
      int needed = Math.min(span, Math.max(3, span / 4));
      if (baseline.size() >= needed) {
        double mean = (double) baselineSum / baseline.size();
        double limit = config.volumeFactor() * mean;
        List<String> fields =
            List.of(
                "alert=volume",
                "count=" + deliveries,
                "baseline=" + String.format(Locale.ROOT, "%.1f", mean),
                "factor=" + factor(config.volumeFactor()),
                window);
        boolean high = deliveries >= config.volumeMin() && deliveries > limit;
        if (high && !volumeHigh) out.add(new QueueEvent(QueueEvent.ALERT, fields));
        if (!high && volumeHigh) out.add(new QueueEvent(QueueEvent.CLEAR, fields));
        volumeHigh = high;
      }
      baseline.addLast(deliveries);
      baselineSum += deliveries;
      while (baseline.size() > span) baselineSum -= baseline.removeFirst();
    }
    return out;
  }

  private static String factor(double f) {
    return f == Math.rint(f) ? Long.toString((long) f) : Double.toString(f);
  }
}
