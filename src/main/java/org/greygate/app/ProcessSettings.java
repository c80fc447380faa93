package org.greygate.app;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** The process's settings (Postgrey's, some accepted and ignored), declared once. */
public final class ProcessSettings {
  private ProcessSettings() {}

  static final String GROUP = "Operation";

  public static final Setting<Path> PIDFILE =
      Setting.value(
              "pidfile",
              "PATH",
              null,
              Values.PATH,
              "Write the process id to PATH (removed on exit).")
          .inGroup(GROUP);

  public static final Setting<Boolean> DAEMONIZE =
      Setting.flag(
              "daemonize",
              "Accepted for Postgrey compatibility; greygate stays in the foreground (let systemd"
                  + " supervise it).")
          .withAliases("-d")
          .inGroup(GROUP);

  public static final Setting<String> USER =
      Setting.value(
              "user",
              "USER",
              null,
              Values.TEXT,
              "Run as USER: the launcher, started as root, switches to it with setpriv before the"
                  + " JVM starts; greygate refuses to run as anyone else.")
          .inGroup(GROUP);

  public static final Setting<String> GROUP_NAME =
      Setting.value(
              "group",
              "GROUP",
              null,
              Values.TEXT,
              "Run with group GROUP (default: USER's primary group); needs --user.")
          .inGroup(GROUP);

  public static final Setting<String> SYSLOG_FACILITY =
      Setting.value(
              "syslog-facility",
              "FACILITY",
              null,
              Values.TEXT,
              "Accepted for Postgrey compatibility; logs go to stdout (journald). Use"
                  + " SyslogFacility= in the unit.")
          .withAliases("--syslogfacility", "--facility")
          .inGroup(GROUP);

  public static final Setting<Boolean> VERBOSE =
      Setting.flag("verbose", "Log more (debug).").withAliases("-v").inGroup(GROUP);

  public static final Setting<Boolean> QUIET =
      Setting.flag(
              "quiet",
              "Log less: no line per decision (start, stop, reloads and errors are still logged).")
          .withAliases("-q")
          .inGroup(GROUP);

  /** In seconds. */
  public static final Setting<Long> STATS_INTERVAL =
      Setting.value(
              "stats-interval",
              "SECONDS",
              300L,
              Values.LONG,
              "Log a line of counters this often (0 = never).")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(
          PIDFILE, DAEMONIZE, USER, GROUP_NAME, SYSLOG_FACILITY, VERBOSE, QUIET, STATS_INTERVAL);

  /** The process's configuration of {@code s}. */
  public static ProcessConfig config(Settings s) {
    return new ProcessConfig(
        s.get(PIDFILE),
        s.get(USER),
        s.get(GROUP_NAME),
        s.get(VERBOSE)
            ? ProcessConfig.LogLevel.VERBOSE
            : s.get(QUIET) ? ProcessConfig.LogLevel.QUIET : ProcessConfig.LogLevel.NORMAL,
        s.get(DAEMONIZE),
        s.get(SYSLOG_FACILITY));
  }
}
