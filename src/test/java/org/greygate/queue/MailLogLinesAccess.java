package org.greygate.queue;

import java.util.Set;

/** The queue watch's mail-log reader, for the fuzz tests of another package. */
public final class MailLogLinesAccess {
  private MailLogLinesAccess() {}

  public static long releasedFromHold(String line) {
    return MailLogLines.releasedFromHold(line);
  }

  public static long requeued(String line) {
    return MailLogLines.requeued(line);
  }

  public static boolean delivery(String line, Set<String> agents) {
    return MailLogLines.delivery(line, agents);
  }
}
