package org.greygate.queue.audit;

import static org.greygate.config.InvalidSetting.check;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** Who ran the queue tools: the queue watch's settings for the auth and audit logs. */
public final class AuditSettings {
  private AuditSettings() {}

  static final String GROUP = "The queue watch";

  public static final Setting<Path> AUTH_LOG =
      Setting.value(
              "auth-log",
              "FILE",
              null,
              Values.PATH,
              "Follow the auth log (Debian: /var/log/auth.log) for sudo and su running Postfix's"
                  + " queue tools (default: off).")
          .inGroup(GROUP);

  public static final Setting<Path> AUDIT_LOG =
      Setting.value(
              "audit-log",
              "FILE",
              null,
              Values.PATH,
              "Follow auditd's log (/var/log/audit/audit.log) for the events of"
                  + " config/audit/greygate-postfix.rules (default: off).")
          .inGroup(GROUP);

  public static final Setting<List<String>> QUEUE_ADMINS =
      Setting.list(
              "queue-admins",
              "USER",
              Values.TEXT,
              "Users who may run postsuper, postqueue, postcat and postdrop without an alert"
                  + " (their runs on the whole queue still alert).")
          .splitAt(",")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL = List.of(AUTH_LOG, AUDIT_LOG, QUEUE_ADMINS);

  /**
   * The configuration of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static AuditConfig config(Settings s) {
    Set<String> admins = new LinkedHashSet<>();
    for (String u : s.get(QUEUE_ADMINS)) {
      String t = u.strip();
      if (t.isEmpty()) continue;
      check(
          t.matches("[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\\$?"),
          QUEUE_ADMINS.name(),
          ": '" + u + "' is not a user name");
      admins.add(t);
    }
    return new AuditConfig(s.get(AUTH_LOG), s.get(AUDIT_LOG), admins);
  }
}
