package org.greygate.store.lmdb;

import org.greygate.store.StoreException;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;

/**
 * The one place where LmdbJava's exceptions become {@link StoreException}s: every call into
 * LmdbJava from this package is wrapped by {@link #translate}, so nothing above {@code store.lmdb}
 * sees an LmdbJava type.
 */
final class LmdbFaults {
  private static final int EIO = 5;
  private static final int EACCES = 13;
  private static final int ENOSPC = 28;
  private static final int EDQUOT = 122;

  private LmdbFaults() {}

  /** {@code what} says what was being done, e.g. "read in /var/lib/greygate". */
  static StoreException translate(RuntimeException e, String what) {
    if (e instanceof StoreException s) {
      return s;
    }
    String message = "LMDB " + what + " failed: " + describe(e);
    if (e instanceof LmdbNativeException.PageCorruptedException
        || e instanceof LmdbNativeException.PageNotFoundException
        || e instanceof LmdbNativeException.PanicException
        || e instanceof Env.FileInvalidException
        || e instanceof Env.VersionMismatchException
        || e instanceof Dbi.BadValueSizeException
        || e instanceof Dbi.IncompatibleException
        || e instanceof Txn.BadException) {
      return new StoreException.Corrupt(message, e);
    }
    if (e instanceof Env.MapFullException
        || e instanceof Dbi.DbFullException
        || e instanceof LmdbNativeException n
            && (n.getResultCode() == ENOSPC || n.getResultCode() == EDQUOT)) {
      return new StoreException.Full(message, e);
    }
    return new StoreException.Unavailable(message, e);
  }

  private static String describe(RuntimeException e) {
    if (e instanceof LmdbNativeException n && n.getResultCode() == EIO) {
      return "I/O error (" + e.getMessage() + ")";
    }
    if (e instanceof LmdbNativeException n && n.getResultCode() == EACCES) {
      // in words, as for any file: "permission denied (running as alice)"
      return org.greygate.files.PrivateFiles.reason(new java.nio.file.AccessDeniedException(""));
    }
    return e instanceof LmdbException ? e.getMessage() : e.toString();
  }
}
