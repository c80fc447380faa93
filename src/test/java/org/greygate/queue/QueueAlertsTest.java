package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueAlertsTest {
  static QueueWatchConfig config(List<Watermark> marks, long release, double factor) {
    return new QueueWatchConfig(
        List.of("postqueue", "-j"), 60, marks, 900, null, release, factor, 600, 10, Set.of("smtp"));
  }

  static QueueCounts hold(long n) {
    return new QueueCounts(Map.of("hold", new QueueCounts.Totals(n, n * 1000)), 0);
  }

  @Test
  void aWatermarkAlertsOnceRepeatsWhileItLastsAndClears() {
    QueueAlerts a = new QueueAlerts(config(List.of(Watermark.parse("hold:3")), 20, 0));
    assertEquals(List.of(), a.queues(hold(2), 0));
    List<QueueEvent> first = a.queues(hold(3), 60);
    assertEquals(1, first.size());
    assertEquals(
        "action=queue-alert, alert=watermark, queue=hold, count=3, threshold=3, bytes=3000",
        first.get(0).text());
    assertEquals(List.of(), a.queues(hold(5), 120), "no repeat before 15 minutes");
    List<QueueEvent> again = a.queues(hold(7), 60 + 900);
    assertEquals("15m", again.get(0).get("since"));
    List<QueueEvent> clear = a.queues(hold(0), 60 + 960);
    assertEquals("queue-clear", clear.get(0).action());
    assertEquals("16m", clear.get(0).get("lasted"));
    assertEquals(List.of(), a.queues(hold(0), 60 + 1020));
    assertEquals(1, a.queues(hold(9), 60 + 1080).size(), "a new crossing alerts at once");
  }

  @Test
  void jsonLinesCarryTheSameFields() {
    QueueAlerts a = new QueueAlerts(config(List.of(Watermark.parse("hold:1")), 20, 0));
    assertEquals(
        "{\"action\":\"queue-alert\",\"alert\":\"watermark\",\"queue\":\"hold\",\"count\":\"1\","
            + "\"threshold\":\"1\",\"bytes\":\"1000\"}",
        a.queues(hold(1), 0).get(0).json());
  }

  @Test
  void aMassReleaseAlertsEachIntervalItHappens() {
    QueueAlerts a = new QueueAlerts(config(List.of(), 20, 0));
    assertEquals(List.of(), a.mailLog(19, 0, 0));
    List<QueueEvent> e = a.mailLog(20, 0, 0);
    assertEquals(
        "action=queue-alert, alert=released, queue=hold, count=20, threshold=20, window=1m",
        e.get(0).text());
    assertEquals(1, a.mailLog(500, 0, 0).size());
    assertEquals(
        "action=queue-alert, alert=requeued, count=30, threshold=20, window=1m",
        a.mailLog(0, 30, 0).get(0).text());
  }

  @Test
  void volumeAlertsAboveFactorTimesTheTrailingBaseline() {
    // baseline 600 s at 60 s intervals: 10 intervals, judged from the third
    QueueAlerts a = new QueueAlerts(config(List.of(), 20, 5));
    assertEquals(List.of(), a.mailLog(0, 0, 500), "no baseline yet");
    assertEquals(List.of(), a.mailLog(0, 0, 500));
    assertEquals(List.of(), a.mailLog(0, 0, 500));
    for (int i = 0; i < 10; i++) assertEquals(List.of(), a.mailLog(0, 0, 20));
    // the baseline is now 20 a minute: 100 is not above 5x, 101 is
    assertEquals(List.of(), a.mailLog(0, 0, 100));
    List<QueueEvent> high = a.mailLog(0, 0, 400);
    assertEquals(1, high.size());
    assertEquals("volume", high.get(0).get("alert"));
    assertEquals("400", high.get(0).get("count"));
    assertTrue(high.get(0).text().contains("factor=5, window=1m"), high.get(0).text());
    assertEquals(List.of(), a.mailLog(0, 0, 450), "one alert while it stays high");
    List<QueueEvent> clear = a.mailLog(0, 0, 20);
    assertEquals("queue-clear", clear.get(0).action());
  }

  @Test
  void aQuietHostNeverAlertsBelowTheMinimum() {
    QueueAlerts a = new QueueAlerts(config(List.of(), 20, 5));
    for (int i = 0; i < 10; i++) a.mailLog(0, 0, 0);
    assertEquals(List.of(), a.mailLog(0, 0, 9), "9 is below --volume-min 10");
    assertEquals(1, a.mailLog(0, 0, 10).size());
  }
}
