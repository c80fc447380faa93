package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The charts' axes: round value ticks; time labels that never overlap and fall on round times. */
class ChartAxesTest {
  @Test
  void ticksAreOneTwoOrFiveTimesAPowerOfTen() {
    assertEquals(
        List.of(0L, 5L, 10L, 15L, 20L), ChartAxes.ticks(18, 5).values()); // was 0 5 9 14 18
    assertEquals(List.of(0L, 1L), ChartAxes.ticks(1, 5).values());
    assertEquals(List.of(0L, 1L), ChartAxes.ticks(0, 5).values());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), ChartAxes.ticks(5, 5).values());
    assertEquals(List.of(0L, 2L, 4L, 6L, 8L), ChartAxes.ticks(7, 5).values());
    assertEquals(List.of(0L, 20L, 40L, 60L, 80L, 100L), ChartAxes.ticks(100, 5).values());
    assertEquals(List.of(0L, 50L, 100L, 150L), ChartAxes.ticks(101, 5).values());
    assertEquals(new ChartAxes.Ticks(200_000, 1_000_000), ChartAxes.ticks(999_999, 5));
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      long max = random.nextInt(1 << random.nextInt(31)) + 1L;
      int intervals = 2 + random.nextInt(8);
      ChartAxes.Ticks t = ChartAxes.ticks(max, intervals);
      long m = t.step();
      while (m % 10 == 0) m /= 10;
      assertTrue(m == 1 || m == 2 || m == 5, "round step " + t + " for " + max);
      assertTrue(t.top() >= max, "covers " + max + ": " + t);
      assertTrue(t.top() / t.step() <= intervals, "at most " + intervals + ": " + t);
      assertTrue(t.top() - t.step() < max, "no empty interval on top: " + t + " for " + max);
    }
    assertTrue(ChartAxes.ticks(Long.MAX_VALUE / 2, 5).top() >= Long.MAX_VALUE / 2);
  }

  static List<String> hours(String first, int n) {
    List<String> out = new ArrayList<>();
    LocalDateTime t = LocalDateTime.parse(first + ":00");
    for (int i = 0; i < n; i++) out.add(t.plusHours(i).toString().substring(0, 13));
    return out;
  }

  static List<String> days(String first, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(LocalDate.parse(first).plusDays(i).toString());
    return out;
  }

  static final double CHAR = 7.2;

  /** Where a label is drawn on the axis: its left and right edges, px. */
  static double[] extent(ChartAxes.Label l, double slot) {
    double w = l.text().length() * CHAR;
    double x = l.index() * slot + (l.atStart() ? 0 : slot / 2);
    return l.atStart() ? new double[] {x, x + w} : new double[] {x - w / 2, x + w / 2};
  }

  static void assertNoOverlap(List<ChartAxes.Label> labels, double slot, double plot) {
    for (ChartAxes.Label a : labels) {
      double[] ea = extent(a, slot);
      assertTrue(ea[0] >= -6 && ea[1] <= plot + 6, "inside the plot: " + a);
      for (ChartAxes.Label b : labels) {
        if (a == b || a.line() != b.line()) continue;
        double[] eb = extent(b, slot);
        assertTrue(
            ea[1] + ChartAxes.GAP <= eb[0] || eb[1] + ChartAxes.GAP <= ea[0],
            a + " and " + b + " overlap at " + slot + " px a period");
      }
    }
  }

  @Test
  void aWeekByTheHourHasRoundHoursAndADateEachMidnight() {
    List<String> week = hours("2026-11-26T00", 168);
    double slot = 876.0 / 168;
    List<ChartAxes.Label> labels = ChartAxes.timeLabels(week, true, slot, CHAR, 6);
    assertNoOverlap(labels, slot, 876);
    List<String> dates =
        labels.stream().filter(l -> l.line() == 1).map(ChartAxes.Label::text).toList();
    assertEquals(days("2026-11-26", 7), dates);
    assertTrue(labels.stream().filter(l -> l.line() == 1).allMatch(ChartAxes.Label::atStart));
    List<String> hours =
        labels.stream()
            .filter(l -> l.line() == 0)
            .map(ChartAxes.Label::text)
            .distinct()
            .sorted()
            .toList();
    assertEquals(List.of("00:00", "12:00"), hours, "every 12 hours at 5 px an hour");
  }

  @Test
  void aDayByTheHourLabelsEveryFewHours() {
    List<String> day = hours("2026-12-03T09", 24);
    double slot = 876.0 / 24;
    List<ChartAxes.Label> labels = ChartAxes.timeLabels(day, true, slot, CHAR, 6);
    assertNoOverlap(labels, slot, 876);
    assertEquals(
        List.of("10:00", "12:00", "14:00", "16:00", "18:00", "20:00", "22:00", "00:00", "02:00")
            .subList(0, 9),
        labels.stream()
            .filter(l -> l.line() == 0)
            .map(ChartAxes.Label::text)
            .toList()
            .subList(0, 9));
    assertEquals(
        List.of("2026-12-03", "2026-12-04"),
        labels.stream().filter(l -> l.line() == 1).map(ChartAxes.Label::text).toList(),
        "the first period's date, then the date at midnight");
  }

  @Test
  void daysThinToWeeksFromMondays() {
    List<String> month = days("2026-11-01", 35);
    double slot = 876.0 / 35;
    List<ChartAxes.Label> labels = ChartAxes.timeLabels(month, false, slot, CHAR, 6);
    assertNoOverlap(labels, slot, 876);
    assertFalse(labels.isEmpty());
    for (ChartAxes.Label l : labels) {
      assertEquals(
          java.time.DayOfWeek.MONDAY, LocalDate.parse(l.text()).getDayOfWeek(), l.toString());
    }
    List<ChartAxes.Label> week =
        ChartAxes.timeLabels(days("2026-11-26", 7), false, 876.0 / 7, CHAR, 6);
    assertEquals(7, week.size(), "a week: every day");
  }

  /** Any span, any width: labels never overlap one another nor leave the plot. */
  @Test
  void noSpanAndNoWidthMakesLabelsOverlap() {
    Random random = new Random(3);
    for (int i = 0; i < 400; i++) {
      boolean hourly = random.nextBoolean();
      int n = 1 + random.nextInt(hourly ? 2_000 : 1_500);
      double plot = 200 + random.nextInt(1_500);
      double slot = plot / n;
      List<String> starts =
          hourly
              ? hours(
                  "2026-0"
                      + (1 + random.nextInt(9))
                      + "-1"
                      + random.nextInt(10)
                      + "T0"
                      + random.nextInt(10),
                  n)
              : days("2026-0" + (1 + random.nextInt(9)) + "-1" + random.nextInt(10), n);
      List<ChartAxes.Label> labels = ChartAxes.timeLabels(starts, hourly, slot, CHAR, 6);
      assertNoOverlap(labels, slot, plot);
    }
  }
}
