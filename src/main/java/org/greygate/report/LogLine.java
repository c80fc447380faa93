package org.greygate.report;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One decision line read back from a log: its time and its {@code name=value} fields, in Postgrey's
 * shape ({@code action=greylist, reason=early-retry (42s missing), delay=312, client_name=...,
 * client_address=..., sender=..., recipient=...}), whatever precedes it:
 *
 * <ul>
 *   <li>greygate on a terminal: {@code 2026-12-03 13:33:32.603 INFO decision: action=...}
 *   <li>syslog / mail.log: {@code Dec 3 13:33:32 mx postgrey[812]: 4ABC: action=...}
 *   <li>RFC 3339 syslog: {@code 2026-12-03T13:33:32.123+01:00 mx greygate[9]: action=...}
 * </ul>
 *
 * @param epochSecond when, or {@code Long.MIN_VALUE} when the line carries no time
 * @param fields every field, in order; {@code reason} without its parenthesised detail
 */
public record LogLine(long epochSecond, Map<String, String> fields) {
  private static final DateTimeFormatter LOGBACK =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSS]", Locale.ROOT);
  private static final DateTimeFormatter SYSLOG =
      DateTimeFormatter.ofPattern("yyyy MMM d HH:mm:ss", Locale.ENGLISH);

  public String action() {
    return fields.get("action");
  }

  public String reason() {
    return fields.getOrDefault("reason", "");
  }

  /**
   * The decision in {@code line}, or {@code null} when it holds none.
   *
   * @param zone the zone of times written without one (greygate's console, classic syslog)
   * @param today for classic syslog's year-less dates: the year that puts the date not after it
   */
  public static LogLine parse(String line, ZoneId zone, LocalDate today) {
    int json = line.indexOf("{\"action\":\"");
    if (json >= 0) {
      return parseJson(line, json, zone, today);
    }
    int at = line.indexOf("action=");
    if (at < 0 || at > 0 && line.charAt(at - 1) != ' ') {
      return null;
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : line.substring(at).split(", ")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        continue; // a value with ", " in it: keep what came before
      }
      fields.put(part.substring(0, eq), part.substring(eq + 1).strip());
    }
    String action = fields.get("action");
    if (action == null || action.isEmpty() || action.indexOf(' ') >= 0) {
      return null;
    }
    String reason = fields.get("reason");
    if (reason != null) {
      int paren = reason.indexOf(" (");
      if (paren > 0) fields.put("reason", reason.substring(0, paren));
    }
    return new LogLine(time(line.substring(0, at), zone, today), fields);
  }

  private static final java.util.regex.Pattern MEMBER =
      java.util.regex.Pattern.compile("\"(\\w+)\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** greygate's --log-format=json line: flat string members, {@code action} first. */
  private static LogLine parseJson(String line, int start, ZoneId zone, LocalDate today) {
    Map<String, String> fields = new LinkedHashMap<>();
    java.util.regex.Matcher m = MEMBER.matcher(line);
    m.region(start, line.length());
    while (m.find()) {
      fields.put(m.group(1), unescape(m.group(2)));
    }
    String action = fields.get("action");
    if (action == null || action.isEmpty()) return null;
    return new LogLine(time(line.substring(0, start), zone, today), fields);
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) return s;
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
      } else if (s.charAt(i + 1) == 'u' && i + 5 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
        i += 5;
      } else {
        b.append(s.charAt(++i));
      }
    }
    return b.toString();
  }

  private static long time(String prefix, ZoneId zone, LocalDate today) {
    String p = prefix.strip();
    try {
      if (p.length() >= 19 && Character.isDigit(p.charAt(0))) {
        if (p.charAt(10) == 'T') {
          return OffsetDateTime.parse(
                  p.substring(0, p.indexOf(' ') < 0 ? p.length() : p.indexOf(' ')))
              .toEpochSecond();
        }
        int end = p.length() >= 23 && p.charAt(19) == '.' ? 23 : 19;
        return LocalDateTime.parse(p.substring(0, end), LOGBACK).atZone(zone).toEpochSecond();
      }
      if (p.length() >= 15 && Character.isLetter(p.charAt(0))) {
        String stamp = p.substring(0, 15).replaceAll(" +", " ");
        LocalDateTime t = LocalDateTime.parse(today.getYear() + " " + stamp, SYSLOG);
        if (t.toLocalDate().isAfter(today)) t = t.minusYears(1); // December's lines read in January
        return t.atZone(zone).toEpochSecond();
      }
    } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
      return Long.MIN_VALUE;
    }
    return Long.MIN_VALUE;
  }
}
