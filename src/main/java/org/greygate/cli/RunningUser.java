package org.greygate.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * Whether the process runs as the {@code --user}/{@code --group} it was asked to. A JVM cannot
 * change its own user: the launcher does that with setpriv before Java starts. This check makes
 * sure a daemon started some other way (java -jar as root, a config file the launcher could not
 * read) stops with a reason instead of carrying on as root.
 */
final class RunningUser {
  private RunningUser() {}

  /** What to say about the process's user; null when there is nothing to say. */
  record Verdict(boolean refuse, String message) {}

  /**
   * Root asked to be someone else is refused (carrying on would leave a network-facing parser with
   * every privilege). Anyone else is told and goes on, as Postgrey does: it cannot switch user and
   * has no privilege to shed.
   */
  static Verdict check(String user, String group) {
    if (user == null && group == null) {
      return null;
    }
    if (user == null) {
      return new Verdict(true, "--group " + group + " needs --user as well");
    }
    String self = System.getProperty("user.name");
    if (!user.equals(self)) {
      if ("root".equals(self)) {
        return new Verdict(
            true,
            "asked to run as --user "
                + user
                + " but running as root: start greygate through its launcher (bin/greygate or"
                + " /usr/bin/greygate), which switches user with setpriv, or set User= in the"
                + " systemd unit");
      }
      return new Verdict(
          false, "--user " + user + " ignored: running as " + self + ", who cannot switch user");
    }
    if (group != null) {
      String current = currentGroup();
      if (current != null && !group.equals(current)) {
        return new Verdict(false, "--group " + group + " ignored: running with group " + current);
      }
    }
    return null;
  }

  /** The process's group name, from the owner of /proc/self; null where there is no /proc. */
  private static String currentGroup() {
    try {
      return Files.readAttributes(Path.of("/proc/self"), PosixFileAttributes.class)
          .group()
          .getName();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }
}
