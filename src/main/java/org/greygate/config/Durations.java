package org.greygate.config;

import java.util.Locale;

/** Durations as admins write them in options and files. */
public final class Durations {
  private Durations() {}

  /**
   * {@code 90}, {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}: whole seconds from {@code min} to
   * {@code max}; a bare number is seconds.
   *
   * @throws IllegalArgumentException naming the value and the accepted range
   */
  public static long seconds(String s, long min, long max) {
    String t = s.strip().toLowerCase(Locale.ROOT);
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    long unit =
        switch (last) {
          case 's' -> 1;
          case 'm' -> 60;
          case 'h' -> 3600;
          case 'd' -> 86_400;
          default -> 0;
        };
    String digits = unit == 0 ? t : t.substring(0, t.length() - 1);
    if (!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        long n = Math.multiplyExact(Long.parseLong(digits), unit == 0 ? 1 : unit);
        if (n >= min && n <= max) return n;
      } catch (ArithmeticException | NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "'"
            + s
            + "' is not a duration of "
            + text(min)
            + " to "
            + text(max)
            + " (e.g. 90s, 10m, 1h, 1d)");
  }

  /** 600 -> 10m, 3600 -> 1h, 86400 -> 1d, 90 -> 90s: seconds as the options write them. */
  public static String text(long seconds) {
    if (seconds != 0 && seconds % 86_400 == 0) return seconds / 86_400 + "d";
    if (seconds != 0 && seconds % 3600 == 0) return seconds / 3600 + "h";
    if (seconds != 0 && seconds % 60 == 0) return seconds / 60 + "m";
    return seconds + "s";
  }
}
