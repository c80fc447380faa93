package org.greygate.logline;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;

/**
 * A log line split into what the logger wrote (time, host, program) and the message, so that a
 * reader looks for meaning only in the message of a program it trusts, from the message's first
 * character. The program is written by syslog from the process that logged; the message may hold
 * anything a remote client said (Postfix logs the HELO text), so it is never searched.
 *
 * <p>The shapes read:
 *
 * <ul>
 *   <li>{@link Shape#SYSLOG}: {@code Dec 3 13:33:32 mx postfix/smtpd[812]: message} (rsyslog's
 *       traditional format, Postfix's own {@code maillog_file}, {@code journalctl -o short}; the
 *       seconds may carry a fraction, as {@code -o short-precise} writes them)
 *   <li>{@link Shape#RFC3339}: {@code 2026-12-03T13:33:32.123456+01:00 mx greygate[9]: message}
 *       (Debian 12's rsyslog; {@code journalctl -o short-iso} writes the offset {@code +0100})
 *   <li>{@link Shape#CONSOLE}: greygate's own stdout on a terminal, {@code 2026-12-03 13:33:32.603
 *       INFO decision: message}: the program is greygate, the message starts at the logger's name
 *   <li>{@link Shape#BARE}: anything else, the whole line a message of no known program (greygate's
 *       stdout under the journal kept in a file, {@code journalctl -o cat})
 * </ul>
 *
 * The program is {@code null} without a tag, the pid is not kept. Parsing never throws.
 *
 * @param program the syslog tag's name ({@code postfix/smtpd}, {@code greygate}), or null
 * @param message what follows {@code program[pid]: }, or the whole line
 */
public record SyslogLine(Shape shape, String stamp, String host, String program, String message) {
  public enum Shape {
    SYSLOG,
    RFC3339,
    CONSOLE,
    BARE
  }

  private static final String MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

  /** The line's parts; never null. */
  public static SyslogLine parse(String line) {
    int stampEnd = syslogStamp(line);
    Shape shape = Shape.SYSLOG;
    if (stampEnd < 0) {
      stampEnd = rfc3339Stamp(line);
      shape = Shape.RFC3339;
    }
    if (stampEnd < 0) {
      SyslogLine console = console(line);
      return console != null ? console : new SyslogLine(Shape.BARE, "", "", null, line);
    }
    // HOST PROGRAM[PID]: MESSAGE or HOST PROGRAM: MESSAGE
    int hostEnd = line.indexOf(' ', stampEnd + 1);
    if (line.length() <= stampEnd || line.charAt(stampEnd) != ' ' || hostEnd <= stampEnd + 1) {
      return new SyslogLine(Shape.BARE, "", "", null, line);
    }
    int tagStart = hostEnd + 1;
    int i = tagStart;
    while (i < line.length()) {
      char c = line.charAt(i);
      if (c == '[' || c == ':' || c == ' ') break;
      i++;
    }
    int nameEnd = i;
    if (nameEnd == tagStart) return new SyslogLine(Shape.BARE, "", "", null, line);
    if (i < line.length() && line.charAt(i) == '[') {
      int pidStart = ++i;
      while (i < line.length() && isDigit(line.charAt(i))) i++;
      if (i == pidStart || i >= line.length() || line.charAt(i) != ']') {
        return new SyslogLine(Shape.BARE, "", "", null, line);
      }
      i++;
    }
    if (!line.startsWith(": ", i) && !(i + 1 == line.length() && line.charAt(i) == ':')) {
      return new SyslogLine(Shape.BARE, "", "", null, line);
    }
    return new SyslogLine(
        shape,
        line.substring(0, stampEnd),
        line.substring(stampEnd + 1, hostEnd),
        line.substring(tagStart, nameEnd),
        line.substring(Math.min(line.length(), i + 2)));
  }

  /**
   * When the line was written (epoch seconds), or {@code Long.MIN_VALUE} if its shape has no time.
   *
   * @param zone the zone of times written without one (greygate's console, classic syslog)
   * @param today for classic syslog's year-less dates: the year that puts the date not after it
   */
  public long epochSecond(ZoneId zone, LocalDate today) {
    try {
      return switch (shape) {
        case SYSLOG -> {
          int month = MONTHS.indexOf(stamp.substring(0, 3)) / 3 + 1;
          int day = digits(stamp, 4, 6);
          LocalDateTime t =
              LocalDateTime.of(
                  today.getYear(),
                  month,
                  day,
                  digits(stamp, 7, 9),
                  digits(stamp, 10, 12),
                  digits(stamp, 13, 15));
          // December's lines read in January belong to the year before
          if (t.toLocalDate().isAfter(today)) t = t.minusYears(1);
          yield t.atZone(zone).toEpochSecond();
        }
        case RFC3339 -> {
          String s = stamp;
          int sign = Math.max(s.lastIndexOf('+'), s.lastIndexOf('-'));
          if (sign > 18 && s.length() - sign == 5) {
            s = s.substring(0, sign + 3) + ":" + s.substring(sign + 3); // +0100 -> +01:00
          }
          yield OffsetDateTime.parse(s).toEpochSecond();
        }
        case CONSOLE -> localTime(stamp).atZone(zone).toEpochSecond();
        case BARE -> Long.MIN_VALUE;
      };
    } catch (DateTimeException | IndexOutOfBoundsException e) {
      return Long.MIN_VALUE; // Feb 30, hour 25: a line without a readable time
    }
  }

  private static LocalDateTime localTime(String s) {
    return LocalDateTime.of(
        digits(s, 0, 4),
        digits(s, 5, 7),
        digits(s, 8, 10),
        digits(s, 11, 13),
        digits(s, 14, 16),
        digits(s, 17, 19));
  }

  /** {@code Mmm dd HH:MM:SS[.fraction]}: the index just past it, or -1. */
  private static int syslogStamp(String s) {
    if (s.length() < 16) return -1;
    int month = MONTHS.indexOf(s.substring(0, 3));
    if (month < 0 || month % 3 != 0 || s.charAt(3) != ' ') return -1;
    if (!(s.charAt(4) == ' ' || isDigit(s.charAt(4))) || !isDigit(s.charAt(5))) return -1;
    if (!isTime(s, 7) || s.charAt(6) != ' ') return -1;
    return fraction(s, 15);
  }

  /** {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|+HHMM)}: the index just past it, or -1. */
  private static int rfc3339Stamp(String s) {
    if (s.length() < 20 || !isDate(s) || s.charAt(10) != 'T' || !isTime(s, 11)) return -1;
    int i = fraction(s, 19);
    if (i < s.length() && s.charAt(i) == 'Z') return i + 1;
    if (i + 5 > s.length() || s.charAt(i) != '+' && s.charAt(i) != '-') return -1;
    if (!isDigit(s.charAt(i + 1)) || !isDigit(s.charAt(i + 2))) return -1;
    int m = s.charAt(i + 3) == ':' ? i + 4 : i + 3;
    if (m + 2 > s.length() || !isDigit(s.charAt(m)) || !isDigit(s.charAt(m + 1))) return -1;
    return m + 2;
  }

  /**
   * greygate's console line: {@code YYYY-MM-DD HH:MM:SS[.mmm] LEVEL logger: message}; the message
   * kept starts at the logger's name.
   */
  private static SyslogLine console(String s) {
    if (s.length() < 21 || !isDate(s) || s.charAt(10) != ' ' || !isTime(s, 11)) return null;
    int i = fraction(s, 19);
    if (i >= s.length() || s.charAt(i) != ' ') return null;
    int level = i + 1;
    i = level;
    while (i < s.length() && s.charAt(i) >= 'A' && s.charAt(i) <= 'Z') i++;
    if (i == level || i >= s.length() || s.charAt(i) != ' ') return null;
    while (i < s.length() && s.charAt(i) == ' ') i++;
    return new SyslogLine(Shape.CONSOLE, s.substring(0, level - 1), "", "greygate", s.substring(i));
  }

  private static boolean isDate(String s) {
    return isDigit(s.charAt(0))
        && isDigit(s.charAt(1))
        && isDigit(s.charAt(2))
        && isDigit(s.charAt(3))
        && s.charAt(4) == '-'
        && isDigit(s.charAt(5))
        && isDigit(s.charAt(6))
        && s.charAt(7) == '-'
        && isDigit(s.charAt(8))
        && isDigit(s.charAt(9));
  }

  /** {@code HH:MM:SS} at {@code at}. */
  private static boolean isTime(String s, int at) {
    return s.length() >= at + 8
        && isDigit(s.charAt(at))
        && isDigit(s.charAt(at + 1))
        && s.charAt(at + 2) == ':'
        && isDigit(s.charAt(at + 3))
        && isDigit(s.charAt(at + 4))
        && s.charAt(at + 5) == ':'
        && isDigit(s.charAt(at + 6))
        && isDigit(s.charAt(at + 7));
  }

  /** Past an optional {@code .digits} at {@code at} (at most 9 digits). */
  private static int fraction(String s, int at) {
    if (at >= s.length() || s.charAt(at) != '.') return at;
    int i = at + 1;
    while (i < s.length() && i - at <= 9 && isDigit(s.charAt(i))) i++;
    return i == at + 1 ? at : i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int digits(String s, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      n = 10 * n + (c == ' ' ? 0 : c - '0');
    }
    return n;
  }
}
