package org.greygate.queue.spool;

import java.nio.file.Path;
import java.util.List;

/** The spool's rules, for the fuzz targets (another package). */
public final class SpoolRulesAccess {
  private SpoolRulesAccess() {}

  public static final List<String> QUEUES = SpoolRules.WATCHED;

  static final SpoolConfig CONFIG =
      new SpoolConfig(Path.of("/var/spool/postfix"), "postfix", "postdrop");

  /** The alert lines (text, then JSON) for a file of these facts. */
  public static List<Finding> file(
      String queue, String name, int mode, long ino, String owner, String group, long now) {
    return SpoolRules.file(
        new SpoolRules.Facts(queue, queue + "/" + name, name, mode, ino, owner, group, 0, now - 1),
        CONFIG,
        now);
  }

  public static boolean isQueueId(String name) {
    return QueueIds.isQueueId(name);
  }

  public static boolean holdsInode(String name, long ino) {
    return QueueIds.holdsInode(name, ino);
  }

  public static String digits() {
    return QueueIds.DIGITS;
  }
}
