package org.greygate.queue;

import java.util.Set;

/**
 * What the watch looks for in Postfix's mail log (as syslog or Postfix's own {@code maillog_file}
 * writes it). Matches on the message part, so any timestamp style and any {@code syslog_name}
 * ({@code postfix}, {@code postfix-out}, {@code postfix/submission}) work.
 */
final class MailLogLines {
  private MailLogLines() {}

  /**
   * {@code postsuper[812]: Released from hold: 12 messages}: the count {@code postsuper -H} logs
   * when it ends, or 0 for any other line. (Per-message lines, where they are logged, are followed
   * by this one and are not counted again.)
   */
  static long releasedFromHold(String line) {
    return summary(line, "Released from hold: ");
  }

  /**
   * {@code postsuper[812]: Requeued: 12 messages}: what {@code postsuper -r} logs when it ends
   * (requeued mail includes held mail, which this releases), or 0.
   */
  static long requeued(String line) {
    return summary(line, "Requeued: ");
  }

  private static long summary(String line, String what) {
    int at = program(line, "postsuper");
    if (at < 0 || !line.startsWith(what, at)) return 0;
    int from = at + what.length();
    int to = from;
    while (to < line.length() && Character.isDigit(line.charAt(to))) to++;
    if (to == from || to - from > 12 || !line.startsWith(" message", to)) return 0;
    return Long.parseLong(line.substring(from, to));
  }

  /**
   * {@code smtp[913]: 4ABCD1234: to=<bob@example.net>, relay=..., status=sent (...)}: one delivery
   * attempt by one of {@code agents}, whatever its status.
   */
  static boolean delivery(String line, Set<String> agents) {
    int bracket = line.indexOf("]: ");
    if (bracket < 0) return false;
    int open = line.lastIndexOf('[', bracket);
    if (open < 0) return false;
    int start = open;
    while (start > 0 && line.charAt(start - 1) != '/' && line.charAt(start - 1) != ' ') start--;
    if (!agents.contains(line.substring(start, open))) return false;
    int id = bracket + 3;
    int colon = line.indexOf(": to=<", id);
    return colon > id && isQueueId(line, id, colon) && line.indexOf(", status=", colon) > 0;
  }

  /** Index just past {@code name[PID]: }, or -1 when the line is not from that program. */
  private static int program(String line, String name) {
    int at = line.indexOf(name + "[");
    while (at >= 0) {
      boolean boundary = at == 0 || line.charAt(at - 1) == '/' || line.charAt(at - 1) == ' ';
      int close = line.indexOf("]: ", at);
      if (boundary && close > at) return close + 3;
      at = line.indexOf(name + "[", at + 1);
    }
    return -1;
  }

  /** Postfix queue ids: hex (short ids) or base-52ish letters and digits (long ids). */
  private static boolean isQueueId(String line, int from, int to) {
    if (to - from < 5 || to - from > 32) return false;
    for (int k = from; k < to; k++) {
      char c = line.charAt(k);
      if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) return false;
    }
    return true;
  }
}
