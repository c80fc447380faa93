package org.greygate.queue.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.logline.SyslogLine;

/**
 * Reads the auth log ({@code /var/log/auth.log}) for runs of the queue tools through {@code sudo}
 * and for {@code su} to a user who can run them. A line counts only when its syslog tag is exactly
 * {@code sudo} or {@code su}, read from the start of its message.
 *
 * <p>sudo (Debian 12, sudo 1.9) writes {@code sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root
 * ; COMMAND=/usr/sbin/postsuper -r ALL}: the user right-aligned in eight columns, then {@code ;
 * }-separated fields, the command last; a refusal puts its reason first ({@code alice : command not
 * allowed ; TTY=...}). A line longer than syslog takes is split at a space into lines {@code alice
 * : (command continued) ...}, joined here again. The directory and the arguments are written as
 * they are, so a directory named {@code x ; COMMAND=/bin/true} can make a field appear twice: the
 * line is then read every way it can be (any {@code COMMAND=} naming a tool counts) and marked
 * forged.
 *
 * <p>su (util-linux) writes {@code su[4242]: (to root) alice on pts/0}; it does not log the
 * command, so becoming root or postfix is what is reported.
 *
 * <p>Not thread-safe: one reader feeds it lines in order, then calls {@link #flush} at the end of
 * what it read.
 */
public final class AuthLog {
  /** A joined sudo line is not grown past this; what would follow is dropped. */
  static final int MAX_JOINED = 16 * 1024;

  private static final String CONTINUED = "(command continued) ";
  private static final Pattern SU =
      Pattern.compile("(FAILED SU )?\\(to (\\S+)\\) (\\S+) on (\\S+)");

  private String pendingUser;
  private String pendingHost;
  private StringBuilder pending;

  /** The runs a line completes (usually none: a sudo line waits for its continuation). */
  public List<ToolRun> line(String text) {
    SyslogLine line = SyslogLine.parse(text);
    String program = line.program();
    if ("sudo".equals(program)) return sudo(line);
    if ("su".equals(program)) {
      List<ToolRun> out = flush();
      ToolRun su = su(line);
      if (su != null) out.add(su);
      return out;
    }
    return List.of();
  }

  /** The sudo line waiting for a continuation, read as it is. */
  public List<ToolRun> flush() {
    List<ToolRun> out = new ArrayList<>(1);
    if (pending != null) {
      ToolRun run = sudo(pendingUser, pendingHost, pending.toString());
      if (run != null) out.add(run);
      pending = null;
      pendingUser = null;
      pendingHost = null;
    }
    return out;
  }

  /** Characters of the sudo line waiting for its continuation. */
  int pendingChars() {
    return pending == null ? 0 : pending.length();
  }

  private List<ToolRun> sudo(SyslogLine line) {
    String m = line.message();
    int start = 0;
    while (start < m.length() && m.charAt(start) == ' ') start++;
    int sep = m.indexOf(" : ", start);
    if (sep <= start) return List.of();
    String user = m.substring(start, sep);
    String rest = m.substring(sep + 3);
    if (rest.startsWith(CONTINUED)
        && pending != null
        && user.equals(pendingUser)
        && line.host().equals(pendingHost)) {
      String more = rest.substring(CONTINUED.length());
      int room = MAX_JOINED - pending.length() - 1;
      if (room > 0) pending.append(' ').append(more, 0, Math.min(more.length(), room));
      return List.of();
    }
    List<ToolRun> out = flush();
    pendingUser = user;
    pendingHost = line.host();
    pending = new StringBuilder(rest.substring(0, Math.min(rest.length(), MAX_JOINED)));
    return out;
  }

  /** The run {@code user : FIELDS} says, or null when it runs no queue tool. */
  static ToolRun sudo(String user, String host, String fields) {
    List<Integer> commands = fieldStarts(fields, "COMMAND=");
    // the last reading naming a tool: a crafted directory comes before the real command, a
    // crafted argument after it (where it names no tool of its own)
    ToolCommand chosen = null;
    int at = -1;
    boolean mass = false;
    for (int k = commands.size() - 1; k >= 0; k--) {
      int c = commands.get(k);
      ToolCommand t = ToolCommand.of(fields.substring(c + "COMMAND=".length()));
      if (t.tool() == null) continue;
      mass |= t.mass(); // any reading that is mass counts
      if (chosen == null) {
        chosen = t;
        at = c;
      }
    }
    if (chosen != null && mass) chosen = new ToolCommand(chosen.tool(), true);
    if (chosen == null) return null;
    boolean forged =
        commands.size() > 1
            || fieldStarts(fields, "USER=").size() > 1
            || fieldStarts(fields, "PWD=").size() > 1
            || fieldStarts(fields, "TTY=").size() > 1;
    String runAs = null;
    for (int u : fieldStarts(fields, "USER=")) {
      if (u < at) runAs = value(fields, u + "USER=".length());
    }
    List<Integer> ttys = fieldStarts(fields, "TTY=");
    String tty = ttys.isEmpty() ? null : value(fields, ttys.get(0) + "TTY=".length());
    String refused = null;
    int first = ttys.isEmpty() ? at : Math.min(ttys.get(0), at);
    if (first > 3) refused = fields.substring(0, first - 3);
    List<String> detail = new ArrayList<>();
    if (tty != null) detail.add("tty=" + tty);
    if (!host.isEmpty()) detail.add("host=" + host);
    return new ToolRun(
        "sudo",
        user,
        runAs,
        chosen.tool(),
        ToolRun.Kind.TOOL,
        fields.substring(at + "COMMAND=".length()),
        chosen.mass(),
        forged,
        refused,
        false,
        detail);
  }

  private static ToolRun su(SyslogLine line) {
    Matcher m = SU.matcher(line.message());
    if (!m.matches()) return null;
    List<String> detail = new ArrayList<>();
    detail.add("tty=" + m.group(4));
    if (!line.host().isEmpty()) detail.add("host=" + line.host());
    return new ToolRun(
        "su",
        m.group(3),
        m.group(2),
        "su",
        ToolRun.Kind.SU,
        "",
        false,
        false,
        m.group(1) == null ? null : "FAILED SU",
        false,
        detail);
  }

  /** Where each field {@code NAME=} starts: at the start or after {@code " ; "}. */
  static List<Integer> fieldStarts(String fields, String name) {
    List<Integer> out = new ArrayList<>(2);
    if (fields.startsWith(name)) out.add(0);
    int from = 0;
    String marker = " ; " + name;
    int i;
    while ((i = fields.indexOf(marker, from)) >= 0) {
      out.add(i + 3);
      from = i + 3;
    }
    return out;
  }

  private static String value(String fields, int from) {
    int end = fields.indexOf(" ; ", from);
    return fields.substring(from, end < 0 ? fields.length() : end);
  }
}
