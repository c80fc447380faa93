package org.greygate.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How a log line looks on stdout. On a terminal: {@code 2026-12-03 13:33:32.603 INFO decision:
 * action=...}. Under systemd (stdout connected to the journal, which sets {@code JOURNAL_STREAM}):
 * no time (the journal adds its own), the level as a syslog priority prefix ({@code <6>}, which
 * journald turns into the priority), and decision lines bare ({@code action=greylist, reason=new,
 * ...}), so that with {@code SyslogFacility=mail} they reach mail.log in Postgrey's shape.
 */
public final class ConsoleLayout extends LayoutBase<ILoggingEvent> {
  static final String DECISIONS = "greygate.decision";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT)
          .withZone(ZoneId.systemDefault());

  private Boolean journal;

  /** For tests and configuration: force journal lines on or off (default: from the env). */
  public void setJournal(boolean journal) {
    this.journal = journal;
  }

  @Override
  public void start() {
    if (journal == null) journal = stdoutIsTheJournal(System.getenv("JOURNAL_STREAM"));
    super.start();
  }

  /**
   * systemd sets {@code JOURNAL_STREAM=DEV:INODE} for a service whose stdout is the journal; a
   * child whose stdout was redirected inherits the variable, so the inode is compared with stdout's
   * ({@code /proc/self/fd/1} reads {@code socket:[INODE]}).
   */
  static boolean stdoutIsTheJournal(String journalStream) {
    if (journalStream == null || journalStream.indexOf(':') < 0) return false;
    String inode = journalStream.substring(journalStream.indexOf(':') + 1);
    try {
      String target =
          java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/1")).toString();
      return target.equals("socket:[" + inode + "]");
    } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
      return true; // no /proc to ask: trust the variable
    }
  }

  @Override
  public String doLayout(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(160);
    String logger = e.getLoggerName();
    String name = logger.substring(logger.lastIndexOf('.') + 1);
    if (Boolean.TRUE.equals(journal)) {
      b.append('<').append(priority(e.getLevel())).append('>');
      if (!logger.equals(DECISIONS)) b.append(name).append(": ");
    } else {
      b.append(TIME.format(Instant.ofEpochMilli(e.getTimeStamp()))).append(' ');
      b.append(String.format(Locale.ROOT, "%-5s", e.getLevel())).append(' ');
      b.append(name).append(": ");
    }
    b.append(e.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
    if (e.getThrowableProxy() != null) {
      String trace = ThrowableProxyUtil.asString(e.getThrowableProxy());
      // under the journal every line of a trace is its own entry: give each the priority
      b.append(
          Boolean.TRUE.equals(journal)
              ? trace.replaceAll("(?m)^", "<" + priority(e.getLevel()) + ">")
              : trace);
      b.append(CoreConstants.LINE_SEPARATOR);
    }
    return b.toString();
  }

  static int priority(Level level) {
    if (level.isGreaterOrEqual(Level.ERROR)) return 3;
    if (level.isGreaterOrEqual(Level.WARN)) return 4;
    if (level.isGreaterOrEqual(Level.INFO)) return 6;
    return 7;
  }
}
