package org.greygate.queue.audit;

/**
 * One run of a queue tool (or one way to run them unseen) read from a log.
 *
 * @param source {@code sudo}, {@code su} or {@code auditd}
 * @param user who ran it: the invoking user (sudo, su) or the login user (auditd's auid); never
 *     null
 * @param runAs the user it ran as, or null
 * @param tool {@code postsuper}, ..., {@code su}, or for a change of queue files the program's name
 * @param kind what the run is, for the alert line: {@link Kind#TOOL}, {@link Kind#SU} or {@link
 *     Kind#FILES}
 * @param command the command line as logged (may be empty)
 * @param mass acts on the whole queue
 * @param forged the line holds a field twice (a crafted directory name or argument): what it says
 *     cannot be told for sure
 * @param refused sudo's reason for refusing (e.g. {@code command not allowed}), or null when it ran
 * @param system run by no login user (auditd's auid unset: a service, the boot), never a person
 * @param detail extra {@code name=value} fields for the line (tty, pid, ...), written in order
 */
public record ToolRun(
    String source,
    String user,
    String runAs,
    String tool,
    Kind kind,
    String command,
    boolean mass,
    boolean forged,
    String refused,
    boolean system,
    java.util.List<String> detail) {
  public enum Kind {
    TOOL,
    SU,
    FILES
  }

  public ToolRun {
    detail = java.util.List.copyOf(detail);
  }
}
