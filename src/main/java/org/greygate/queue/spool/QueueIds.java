package org.greygate.queue.spool;

/**
 * Postfix's queue file names, as Postfix 3.x makes them when it creates a queue file (in {@code
 * incoming/} or {@code maildrop/}): a temporary name {@code USEC.PID}, renamed at once to the queue
 * ID, which holds the file's inode number. Every later move keeps name and inode, so a queue file
 * whose name does not hold its inode number was not made by Postfix's queue-file creation.
 *
 * <ul>
 *   <li>Short IDs (the default): five upper-case hex digits of microseconds, then the inode number
 *       in upper-case hex ({@code F3A5B212A62}: inode {@code 0x212A62}).
 *   <li>Long IDs ({@code enable_long_queue_ids = yes}): the seconds (six or more characters) and
 *       microseconds (four) in base 52 ({@code 0-9}, consonants upper and lower case), a {@code z},
 *       then the inode number in base 51 (the same digits but {@code z}): {@code 4jjPtS3Zv2zJMZY}.
 * </ul>
 */
final class QueueIds {
  private QueueIds() {}

  /** Postfix's base-52 digits; base 51 is the same without the last, {@code z}. */
  static final String DIGITS = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

  /** Longer names are no queue ID (and are not parsed further). */
  static final int MAX = 40;

  static boolean isShort(String name) {
    int n = name.length();
    if (n < 6 || n > 5 + 16) return false;
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'F')) return false;
    }
    return true;
  }

  static boolean isLong(String name) {
    int n = name.length();
    int z = name.lastIndexOf('z');
    if (n > MAX || z < 10 || z == n - 1) return false;
    for (int i = 0; i < n; i++) {
      if (DIGITS.indexOf(name.charAt(i)) < 0) return false;
    }
    return true;
  }

  /** A queue ID in either form. */
  static boolean isQueueId(String name) {
    return isShort(name) || isLong(name);
  }

  /**
   * A name Postfix gives a queue file for a moment before naming it by its ID: {@code USEC.PID}.
   */
  static boolean isTemporary(String name) {
    int dot = name.indexOf('.');
    if (dot < 1 || dot > 7 || dot == name.length() - 1 || name.length() > 19) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (i != dot && (c < '0' || c > '9')) return false;
    }
    return true;
  }

  /** Whether the queue ID {@code name} holds the inode number {@code ino} (unsigned). */
  static boolean holdsInode(String name, long ino) {
    if (isShort(name)) {
      String hex = name.substring(5);
      if (hex.charAt(0) == '0') return false; // Postfix writes the number without leading zeros
      return Long.parseUnsignedLong(hex, 16) == ino;
    }
    if (isLong(name)) {
      String digits = name.substring(name.lastIndexOf('z') + 1);
      if (digits.charAt(0) == '0') return false;
      long v = 0;
      for (int i = 0; i < digits.length(); i++) {
        long d = DIGITS.indexOf(digits.charAt(i));
        // v * 51 + d must stay within 64 unsigned bits
        if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 51)) > 0) return false;
        v = v * 51 + d;
      }
      return v == ino;
    }
    return false;
  }

  /** A hash subdirectory's name ({@code deferred/6}): one upper-case hex digit. */
  static boolean isHashDirectory(String name) {
    return name.length() == 1 && isShort("00000" + name);
  }
}
