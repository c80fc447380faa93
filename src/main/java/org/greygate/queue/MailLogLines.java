package org.greygate.queue;

import java.util.Set;
import org.greygate.logline.SyslogLine;

/**
 * What the watch looks for in Postfix's mail log (as syslog or Postfix's own {@code maillog_file}
 * writes it). A line counts only when its syslog tag is the Postfix program that writes such a line
 * ({@code postfix/postsuper}, {@code postfix-out/smtp}, {@code postfix/submission/smtpd}: any
 * {@code syslog_name}, then {@code /PROGRAM}), read from the start of its message: Postfix's other
 * lines carry what clients send (a HELO name, an address), which is never searched.
 */
final class MailLogLines {
  private MailLogLines() {}

  /**
   * {@code postsuper[812]: Released from hold: 12 messages}: the count {@code postsuper -H} logs
   * when it ends, or 0 for any other line. (Per-message lines, where they are logged, are followed
   * by this one and are not counted again.)
   */
  static long releasedFromHold(String line) {
    return releasedFromHold(SyslogLine.parse(line));
  }

  static long releasedFromHold(SyslogLine line) {
    return summary(line, "Released from hold: ");
  }

  /**
   * {@code postsuper[812]: Requeued: 12 messages}: what {@code postsuper -r} logs when it ends
   * (requeued mail includes held mail, which this releases), or 0.
   */
  static long requeued(String line) {
    return requeued(SyslogLine.parse(line));
  }

  static long requeued(SyslogLine line) {
    return summary(line, "Requeued: ");
  }

  /** {@code postsuper[812]: Placed on hold: 12 messages} ({@code postsuper -h}): 12, or 0. */
  static long placedOnHold(SyslogLine line) {
    return summary(line, "Placed on hold: ");
  }

  /**
   * {@code smtpd[913]: 4ABCD1234: hold: RCPT from ...} or {@code cleanup[914]: 4ABCD1234: hold:
   * header ...} (an access or policy HOLD, a header or body check): the queue id, or null.
   */
  static String heldQueueId(SyslogLine line) {
    String program = line.program();
    if (program == null || !(postfix(program, "smtpd") || postfix(program, "cleanup"))) {
      return null;
    }
    String m = line.message();
    int colon = m.indexOf(": hold: ");
    return colon > 0 && isQueueId(m, 0, colon) ? m.substring(0, colon) : null;
  }

  private static long summary(SyslogLine line, String what) {
    if (!postfix(line.program(), "postsuper")) return 0;
    String m = line.message();
    if (!m.startsWith(what)) return 0;
    int from = what.length();
    int to = from;
    while (to < m.length() && Character.isDigit(m.charAt(to))) to++;
    if (to == from || to - from > 12 || !m.startsWith(" message", to)) return 0;
    return Long.parseLong(m.substring(from, to));
  }

  /**
   * {@code smtp[913]: 4ABCD1234: to=<bob@example.net>, relay=..., status=sent (...)}: one delivery
   * attempt by one of {@code agents}, whatever its status.
   */
  static boolean delivery(String line, Set<String> agents) {
    return delivery(SyslogLine.parse(line), agents);
  }

  static boolean delivery(SyslogLine line, Set<String> agents) {
    String program = line.program();
    if (program == null) return false;
    int slash = program.lastIndexOf('/');
    if (slash <= 0 || !agents.contains(program.substring(slash + 1))) return false;
    String m = line.message();
    int colon = m.indexOf(": to=<");
    return colon > 0 && isQueueId(m, 0, colon) && m.indexOf(", status=", colon) > 0;
  }

  /** A Postfix program's tag: {@code SYSLOG_NAME/NAME} (the syslog name may hold '/' too). */
  private static boolean postfix(String program, String name) {
    return program != null
        && program.length() > name.length() + 1
        && program.endsWith(name)
        && program.charAt(program.length() - name.length() - 1) == '/';
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
