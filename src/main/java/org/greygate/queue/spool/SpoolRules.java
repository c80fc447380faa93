package org.greygate.queue.spool;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What Postfix never does in its queue directories, as pure functions of a file's metadata (no
 * I/O): the rules checked on Postfix 3.7 (docs/queue-security.md).
 *
 * <ul>
 *   <li>Queue files are regular files owned by {@code mail_owner}, mode 0600 while written and 0700
 *       once complete; in {@code maildrop/} they belong to the submitting user with the group
 *       {@code setgid_group} (postdrop writes them 0644, then 0744, less the user's umask), or to
 *       {@code mail_owner} when {@code postsuper -r} moved them there.
 *   <li>Their names are queue IDs; in {@code incoming/} and {@code maildrop/} a temporary {@code
 *       USEC.PID} lives for microseconds.
 *   <li>A queue file's name holds its inode number (see {@link QueueIds}): Postfix creates every
 *       queue file in {@code incoming/} or {@code maildrop/} and only renames it after. The defer
 *       logs in {@code defer/} are the exception: written in place, named after their message.
 *   <li>Directories: as {@code postfix-files} says ({@code postfix check}).
 * </ul>
 */
final class SpoolRules {
  private SpoolRules() {}

  /** The queues watched, file by file. */
  static final List<String> WATCHED =
      List.of("incoming", "active", "deferred", "defer", "hold", "maildrop", "corrupt", "saved");

  /** Queues whose files sit one level down, in hash directories ({@code deferred/6/63CCE199}). */
  static final Set<String> HASHED = Set.of("deferred", "defer");

  /** A complete queue file in these never changes size: Postfix moves it, never writes it. */
  static final Set<String> SETTLED = Set.of("hold", "deferred", "corrupt", "saved");

  /** A temporary name older than this (seconds) was left behind: Postfix renames at once. */
  static final long TEMPORARY_SECONDS = 3600;

  static final int S_IFMT = 0170000;
  static final int S_IFREG = 0100000;
  static final int S_IFDIR = 0040000;

  /** A file's metadata, as lstat gives it. */
  record Facts(
      String queue,
      String file,
      String name,
      int mode,
      long ino,
      String owner,
      String group,
      long size,
      long mtime) {
    boolean regular() {
      return (mode & S_IFMT) == S_IFREG;
    }

    boolean directory() {
      return (mode & S_IFMT) == S_IFDIR;
    }

    /** Complete: Postfix sets the owner-execute bit when a queue file is written. */
    boolean complete() {
      return (mode & 0100) != 0;
    }
  }

  /**
   * What {@code f}, a file in one of the {@link #WATCHED} queues, shows that Postfix never does.
   */
  static List<Finding> file(Facts f, SpoolConfig c, long now) {
    List<Finding> out = new ArrayList<>(1);
    String file = Finding.name(f.file());
    if (!f.regular()) {
      out.add(Finding.of("type", f.queue(), "file", file, "type=" + type(f.mode())));
      return out;
    }
    boolean maildrop = f.queue().equals("maildrop");
    if (maildrop
        ? !f.owner().equals(c.owner()) && !f.group().equals(c.group())
        : !f.owner().equals(c.owner())) {
      out.add(
          Finding.of(
              "owner",
              f.queue(),
              "file",
              file,
              "owner=" + Finding.name(f.owner()) + ":" + Finding.name(f.group()),
              "expected=" + (maildrop ? "USER:" + c.group() : c.owner())));
    }
    int open = f.mode() & (maildrop ? 07033 : 07077);
    if (open != 0) {
      out.add(
          Finding.of(
              "mode",
              f.queue(),
              "file",
              file,
              "mode=" + octal(f.mode() & 07777),
              "expected=" + (maildrop ? "0600/0700 (0644/0744 from postdrop)" : "0600/0700")));
    }
    String name = f.name();
    boolean created = f.queue().equals("incoming") || maildrop;
    if (created && QueueIds.isTemporary(name)) {
      if (now - f.mtime() > TEMPORARY_SECONDS) {
        out.add(Finding.of("name", f.queue(), "file", file, "reason=left-behind-temporary"));
      }
    } else if (!QueueIds.isQueueId(name)) {
      out.add(Finding.of("name", f.queue(), "file", file, "reason=not-a-queue-id"));
    } else if (!f.queue().equals("defer") && !QueueIds.holdsInode(name, f.ino())) {
      out.add(
          Finding.of(
              "in-place",
              f.queue(),
              "file",
              file,
              "inode=" + Long.toUnsignedString(f.ino(), 16).toUpperCase(java.util.Locale.ROOT)));
    }
    return out;
  }

  /** The directories Postfix keeps under its queue directory, with their owner and mode. */
  record Expected(String owner, String group, int perm, int special) {
    String text(SpoolConfig c) {
      return who(owner, c)
          + (group == null ? "" : ":" + who(group, c))
          + " "
          + octal(perm | special);
    }

    private static String who(String s, SpoolConfig c) {
      return s.equals(OWNER) ? c.owner() : s.equals(GROUP) ? c.group() : s;
    }
  }

  private static final String OWNER = "$mail_owner";
  private static final String GROUP = "$setgid_group";
  private static final Expected QUEUE = new Expected(OWNER, null, 0700, 0);

  /** postfix-files; Debian adds the sticky bit to maildrop and setgid to public. */
  static final Map<String, Expected> DIRECTORIES =
      Map.ofEntries(
          Map.entry("active", QUEUE),
          Map.entry("bounce", QUEUE),
          Map.entry("corrupt", QUEUE),
          Map.entry("defer", QUEUE),
          Map.entry("deferred", QUEUE),
          Map.entry("flush", QUEUE),
          Map.entry("hold", QUEUE),
          Map.entry("incoming", QUEUE),
          Map.entry("private", QUEUE),
          Map.entry("saved", QUEUE),
          Map.entry("trace", QUEUE),
          Map.entry("maildrop", new Expected(OWNER, GROUP, 0730, 01000)),
          Map.entry("public", new Expected(OWNER, GROUP, 0710, 02000)),
          Map.entry("pid", new Expected("root", null, 0755, 0)));

  /**
   * How deep hash directories go: Postfix's {@code hash_queue_depth} (1 by default; large sites use
   * 2). Deeper directories are judged as files, and flagged.
   */
  static final int MAX_HASH_DEPTH = 4;

  /**
   * Whether {@code f}, found {@code depth} levels below its queue (0: in the queue itself), is one
   * of Postfix's hash directories ({@code deferred/6}, {@code deferred/6/3} at depth 2).
   */
  static boolean hashDirectory(Facts f, int depth) {
    return f.directory()
        && f.queue() != null
        && depth < MAX_HASH_DEPTH
        && HASHED.contains(f.queue())
        && QueueIds.isHashDirectory(f.name());
  }

  /** The expectation for a hash directory ({@code deferred/6}): a queue directory's. */
  static Expected hashDirectory() {
    return QUEUE;
  }

  /**
   * What a directory of the spool ({@code rel}: {@code .} for the queue directory itself, {@code
   * deferred}, {@code deferred/6}) shows that Postfix's own setup never has. The queue directory
   * itself belongs to root and is writable by root only.
   */
  static List<Finding> directory(
      String rel, Expected e, int mode, String owner, String group, SpoolConfig c) {
    String dir = Finding.name(rel);
    if ((mode & S_IFMT) != S_IFDIR) {
      return List.of(Finding.of("directory", null, "directory", dir, "type=" + type(mode)));
    }
    boolean ok;
    String expected;
    if (e == null) { // the queue directory
      ok = owner.equals("root") && (mode & 07022) == 0;
      expected = "root, not writable by group or others";
    } else {
      int perm = mode & 0777;
      int special = mode & 07000;
      ok =
          owner.equals(e.who(e.owner(), c))
              && (e.group() == null || group.equals(e.who(e.group(), c)))
              && perm == e.perm()
              && (special & ~e.special()) == 0;
      expected = e.text(c);
    }
    if (ok) return List.of();
    List<String> f = new ArrayList<>();
    f.add("directory=" + dir);
    f.add("owner=" + Finding.name(owner) + ":" + Finding.name(group));
    f.add("mode=" + octal(mode & 07777));
    f.add("expected=" + expected);
    return List.of(new Finding("directory", f));
  }

  static String octal(int mode) {
    return String.format("%04o", mode);
  }

  static String type(int mode) {
    return switch (mode & S_IFMT) {
      case 0140000 -> "socket";
      case 0120000 -> "symlink";
      case S_IFREG -> "file";
      case 0060000 -> "block-device";
      case S_IFDIR -> "directory";
      case 0020000 -> "character-device";
      case 0010000 -> "fifo";
      default -> "unknown";
    };
  }
}
