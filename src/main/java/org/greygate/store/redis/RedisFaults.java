package org.greygate.store.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.greygate.store.StoreException;

/**
 * The one place where Redis's and Lettuce's failures become {@link StoreException}s. A server's
 * error reply is classified by its error code, the first word of the reply ({@code WRONGPASS},
 * {@code READONLY}, ...), never by the words after it; a failure without a reply (no connection, a
 * timeout) by Lettuce's exception type.
 */
final class RedisFaults {
  private RedisFaults() {}

  /**
   * The error code of the server's error reply among {@code e}'s causes ({@code "WRONGPASS"},
   * {@code "NOSCRIPT"}, ...), or {@code null} when no reply caused it.
   */
  static String code(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RedisCommandExecutionException) {
        String reply = String.valueOf(t.getMessage()).strip();
        int end = 0;
        while (end < reply.length() && reply.charAt(end) > ' ') end++;
        return reply.substring(0, end);
      }
    }
    return null;
  }

  /** Redis lost a script (restarted, failed over, SCRIPT FLUSH): send it whole. */
  static boolean noScript(Throwable e) {
    return "NOSCRIPT".equals(code(e));
  }

  /**
   * A cluster refused a command on several keys of a slot being moved (a reshard) while some of its
   * keys were on either side: worth one more try a moment later.
   */
  static boolean tryAgain(Throwable e) {
    return "TRYAGAIN".equals(code(e));
  }

  /**
   * A command that found no connection to its server (rejected while disconnected, or its
   * connection closed under it): no reply, no timeout. In a cluster, its slot's master may have
   * changed.
   */
  static boolean noConnection(Throwable e) {
    if (code(e) != null) return false;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RedisCommandTimeoutException) return false;
      if (t instanceof RedisConnectionException) return true;
      if (t instanceof RedisException && !(t instanceof RedisCommandExecutionException)) {
        return t.getCause() == null || t.getCause() instanceof java.io.IOException;
      }
    }
    return false;
  }

  /** A failure of a command on a store that was open; a lost connection is "not connected". */
  static StoreException translate(Throwable e, String where) {
    return translate(e, where, false);
  }

  /** A failure while connecting to the store: the reason in full. */
  static StoreException atOpen(Throwable e, String where) {
    return translate(e, where, true);
  }

  private static StoreException translate(Throwable e, String where, boolean connecting) {
    Throwable c = e;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof StoreException s) return s;
    String message = "store " + where + ": " + reason(c, connecting);
    return "OOM".equals(code(c))
        ? new StoreException.Full(message, c)
        : new StoreException.Unavailable(message, c);
  }

  /**
   * Why {@code e} happened, in words: an error reply's meaning followed by the reply; else "not
   * connected" for a command on a lost connection, or the message of the first cause (a refused
   * certificate, a refused connection: what an admin can act on).
   */
  static String reason(Throwable e, boolean connecting) {
    String code = code(e);
    if (code != null) return words(code) + " (" + reply(e) + ")";
    if (e instanceof RedisConnectionException && !connecting) return "not connected";
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage().strip();
  }

  /** The server's error reply itself. */
  private static String reply(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RedisCommandExecutionException) {
        return String.valueOf(t.getMessage()).strip();
      }
    }
    throw new IllegalStateException("no error reply in " + e);
  }

  /** What an error code means for an admin; the reply follows in parentheses. */
  static String words(String code) {
    return switch (code) {
      case "WRONGPASS" -> "wrong user name or password";
      case "NOAUTH" -> "the server needs a password";
      case "NOPERM" -> "the user may not run greygate's commands (Redis ACL)";
      case "NOSCRIPT" -> "the server lost greygate's script";
      case "READONLY" -> "the server is a read-only replica, not the master";
      case "LOADING" -> "the server is loading its data set";
      case "MASTERDOWN" -> "the replica has lost its master";
      case "BUSY" -> "the server is busy running a script";
      case "OOM" -> "the server is out of memory (maxmemory)";
      case "MISCONF" -> "the server refuses writes: it cannot save its data";
      case "CLUSTERDOWN" -> "the cluster has slots without a master";
      case "TRYAGAIN" -> "a slot is being moved between cluster nodes (a reshard)";
      case "CROSSSLOT" -> "keys of one step in two cluster slots";
      case "MOVED", "ASK" -> "the cluster moved the slot (its map is refreshed)";
      default -> "the server refused the command";
    };
  }
}
