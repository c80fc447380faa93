package org.greygate.app;

import java.nio.file.Path;

/**
 * The process around the daemon.
 *
 * @param pidfile where to write the process id, or null
 * @param user the user to run as, or null (checked against the running one)
 * @param group the group to run with, or null
 * @param logLevel how much is logged
 * @param daemonize Postgrey's {@code --daemonize}, given (and ignored: greygate stays in front)
 * @param syslogFacility Postgrey's facility, given (and ignored: logs go to stdout), or null
 */
public record ProcessConfig(
    Path pidfile,
    String user,
    String group,
    LogLevel logLevel,
    boolean daemonize,
    String syslogFacility) {
  /** {@code -v}: debug everywhere; {@code -q}: no line per decision. */
  public enum LogLevel {
    NORMAL,
    VERBOSE,
    QUIET
  }
}
