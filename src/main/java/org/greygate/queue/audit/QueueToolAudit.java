package org.greygate.queue.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Judges the runs the auth log and auditd's log show, a pure function of their lines and the
 * admins: no I/O, no clock.
 *
 * <ul>
 *   <li>A queue tool run by a user not in {@code --queue-admins}: HIGH ({@code why=not-admin}).
 *   <li>{@code postsuper} on the whole queue ({@code -d ALL}, {@code -H ALL}, {@code -r ALL},
 *       {@code -h ALL}, {@code -e ALL}, {@code -f ALL}, or ids from standard input): HIGH whoever
 *       ran it ({@code why=mass}).
 *   <li>A sudo line whose fields appear twice (a crafted directory or argument): HIGH ({@code
 *       why=forged}).
 *   <li>{@code su} to root or postfix by a user not an admin: MEDIUM (su does not log what runs).
 *   <li>A queue file changed by a program that is not Postfix's ({@code rm}, {@code mv}, an
 *       editor): HIGH, MEDIUM for an admin; once per process.
 *   <li>Any other run: a {@code queue-tool} line at INFO, no alert. Runs by no login user (a
 *       service) alert only when mass.
 * </ul>
 *
 * At most {@link #MAX_LINES_PER_ROUND} lines come out of one round; the rest are counted in one
 * {@code alert=queue-tool-flood} line. Not thread-safe: the watch's thread drives it.
 */
public final class QueueToolAudit {
  static final int MAX_LINES_PER_ROUND = 100;
  private static final int REMEMBERED_PROCESSES = 1024;

  private final Set<String> admins;
  private final AuthLog auth = new AuthLog();
  private final AuditLog audit = new AuditLog();
  private final List<ToolEvent> round = new ArrayList<>();
  private long suppressed;
  private final Map<String, Boolean> seenProcesses =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> e) {
          return size() > REMEMBERED_PROCESSES;
        }
      };

  public QueueToolAudit(Set<String> admins) {
    this.admins = Set.copyOf(admins);
  }

  /** One line of the auth log. */
  public void authLine(String line) {
    for (ToolRun r : auth.line(line)) judge(r);
  }

  /** One line of auditd's log. */
  public void auditLine(String line) {
    for (ToolRun r : audit.line(line)) judge(r);
  }

  /** The lines of this round, in the order their runs were read; the round starts again. */
  public List<ToolEvent> endOfRound() {
    for (ToolRun r : auth.flush()) judge(r);
    for (ToolRun r : audit.flush()) judge(r);
    List<ToolEvent> out = new ArrayList<>(round);
    if (suppressed > 0) {
      out.add(
          new ToolEvent(
              ToolEvent.ALERT,
              "high",
              "flood",
              List.of(
                  "alert=queue-tool-flood",
                  "severity=high",
                  "suppressed=" + suppressed,
                  "limit=" + MAX_LINES_PER_ROUND)));
    }
    round.clear();
    suppressed = 0;
    return out;
  }

  /** The line for one run, or null when it says nothing worth a line. */
  ToolEvent judge(ToolRun r) {
    ToolEvent e = event(r);
    if (e == null) return null;
    if (round.size() >= MAX_LINES_PER_ROUND) {
      suppressed++;
      return e;
    }
    round.add(e);
    return e;
  }

  private ToolEvent event(ToolRun r) {
    boolean admin = !r.system() && admins.contains(r.user());
    List<String> why = new ArrayList<>(3);
    String severity;
    switch (r.kind()) {
      case SU -> {
        if (admin || !("root".equals(r.runAs()) || "postfix".equals(r.runAs()))) return null;
        why.add("not-admin");
        severity = "medium";
      }
      case FILES -> {
        if (seenProcesses.put(processKey(r), Boolean.TRUE) != null) return null;
        why.add(admin ? "not-postfix" : "not-admin");
        severity = admin ? "medium" : "high";
      }
      default -> {
        if (!admin && !r.system()) why.add("not-admin");
        if (r.mass()) why.add("mass");
        if (r.forged()) why.add("forged");
        severity = why.isEmpty() ? "info" : "high";
      }
    }
    List<String> f = new ArrayList<>(12);
    boolean alert = !why.isEmpty();
    if (alert) {
      f.add(
          "alert="
              + switch (r.kind()) {
                case TOOL -> "queue-tool";
                case SU -> "queue-tool-su";
                case FILES -> "queue-files";
              });
      f.add("severity=" + severity);
    }
    f.add("tool=" + r.tool());
    f.add("user=" + r.user());
    if (r.runAs() != null) f.add("as=" + r.runAs());
    if (alert) f.add("why=" + String.join("+", why));
    f.add("source=" + r.source());
    if (r.refused() != null) f.add("refused=" + r.refused());
    f.addAll(r.detail());
    if (!r.command().isEmpty()) f.add("command=" + r.command());
    String meterTool =
        switch (r.kind()) {
          case TOOL -> r.tool();
          case SU -> "su";
          case FILES -> "files";
        };
    return new ToolEvent(alert ? ToolEvent.ALERT : ToolEvent.RECORD, severity, meterTool, f);
  }

  private static String processKey(ToolRun r) {
    String pid = "";
    String exe = "";
    for (String d : r.detail()) {
      if (d.startsWith("pid=")) pid = d;
      if (d.startsWith("exe=")) exe = d;
    }
    return r.user() + " " + pid + " " + exe;
  }
}
