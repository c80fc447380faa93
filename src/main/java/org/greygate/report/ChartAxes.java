package org.greygate.report;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a chart's axes put their ticks and labels, as pure functions of the counts and the space:
 * round value ticks (1, 2 or 5 times a power of ten), and time labels thinned so that none overlaps
 * another, hours at round hours and dates at day boundaries.
 */
final class ChartAxes {
  private ChartAxes() {}

  /**
   * Value ticks {@code 0, step, ..., top}: the smallest round step that covers {@code max} in at
   * most {@code intervals} steps.
   */
  record Ticks(long step, long top) {
    List<Long> values() {
      List<Long> out = new ArrayList<>();
      for (long v = 0; v <= top; v += step) out.add(v);
      return out;
    }
  }

  static Ticks ticks(long max, int intervals) {
    if (intervals < 1) throw new IllegalArgumentException("intervals " + intervals);
    long m = Math.max(1, max);
    for (long power = 1; ; power *= 10) {
      for (long mantissa : new long[] {1, 2, 5}) {
        long step = mantissa * power;
        long n = (m + step - 1) / step;
        if (n <= intervals) return new Ticks(step, n * step);
      }
      if (power > Long.MAX_VALUE / 100) return new Ticks(m, m); // beyond any count
    }
  }

  /**
   * A label of the time axis.
   *
   * @param index the period it names
   * @param line 0 under the bars (hours, or days of a daily chart), 1 below (dates of an hourly
   *     chart)
   * @param atStart drawn from the period's left edge (a day boundary), else centred on it
   */
  record Label(int index, String text, int line, boolean atStart) {}

  /** Steps between hour labels, in hours: each divides a day, so labels fall on round hours. */
  static final int[] HOUR_STEPS = {1, 2, 3, 6, 12};

  /** Steps between date labels, in days; from 7 on they fall on Mondays. */
  static final int[] DAY_STEPS = {1, 2, 7, 14, 28, 56, 112, 224, 448, 896};

  /** Space kept between two labels, px. */
  static final double GAP = 8;

  /**
   * The labels of a time axis, none overlapping another nor leaving the plot (by more than the
   * margin around it), for periods of equal width.
   *
   * @param starts the periods, in order, one each hour or day: {@code 2026-12-03T14} or {@code
   *     2026-12-03}
   * @param slot a period's width, px
   * @param charWidth the widest a label's character is drawn, px
   * @param plotWidth the plot's width ({@code starts.size() * slot}); a label may reach {@code
   *     margin} px beyond either side
   */
  static List<Label> timeLabels(
      List<String> starts, boolean hourly, double slot, double charWidth, double margin) {
    double plotWidth = starts.size() * slot;
    List<Label> out = new ArrayList<>();
    if (starts.isEmpty()) return out;
    double dateWidth = 10 * charWidth + GAP;
    if (!hourly) {
      int step = step(DAY_STEPS, slot, dateWidth);
      if (step < 0) return out;
      for (int i = 0; i < starts.size(); i++) {
        LocalDate d = LocalDate.parse(starts.get(i));
        double centre = (i + 0.5) * slot;
        double half = 10 * charWidth / 2;
        if (onStep(d, step) && centre - half >= -margin && centre + half <= plotWidth + margin) {
          out.add(new Label(i, starts.get(i), 0, false));
        }
      }
      return out;
    }
    int hourStep = step(HOUR_STEPS, slot, 5 * charWidth + GAP);
    int dayStep = step(DAY_STEPS, slot * 24, dateWidth);
    int firstDate = -1;
    for (int i = 0; i < starts.size(); i++) {
      String s = starts.get(i);
      int hour = Integer.parseInt(s.substring(11, 13));
      double centre = (i + 0.5) * slot;
      double half = 5 * charWidth / 2;
      if (hourStep > 0
          && hour % hourStep == 0
          && centre - half >= -margin
          && centre + half <= plotWidth + margin) {
        out.add(new Label(i, String.format(java.util.Locale.ROOT, "%02d:00", hour), 0, false));
      }
      LocalDate d = LocalDate.parse(s.substring(0, 10));
      if (dayStep > 0
          && hour == 0
          && onStep(d, dayStep)
          && i * slot + 10 * charWidth <= plotWidth + margin) {
        out.add(new Label(i, d.toString(), 1, true));
        if (firstDate < 0) firstDate = i;
      }
    }
    // the first period's date too, when it is not a midnight and leaves room before the next date
    String first = starts.get(0);
    if (dayStep > 0
        && !first.endsWith("T00")
        && (firstDate < 0 ? plotWidth + margin : firstDate * slot) >= dateWidth) {
      out.add(0, new Label(0, first.substring(0, 10), 1, true));
    }
    return out;
  }

  /** The smallest step whose span holds a label, or -1. */
  private static int step(int[] steps, double slot, double needed) {
    for (int s : steps) {
      if (s * slot >= needed) return s;
    }
    return -1;
  }

  /** Day {@code d} carries a label every {@code step} days: weeks and more from Mondays. */
  private static boolean onStep(LocalDate d, int step) {
    long day = d.toEpochDay(); // day 4 (1970-01-05) was a Monday
    return step < 7 ? Math.floorMod(day, step) == 0 : Math.floorMod(day - 4, step) == 0;
  }
}
