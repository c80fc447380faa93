package org.greygate.store;

/** The store could not do what was asked (I/O error, read-only, full, unreachable). */
public class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
