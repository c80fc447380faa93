package org.greygate.store;

/**
 * The store could not do what was asked. Three kinds, because callers act differently on each:
 * {@link Unavailable} (I/O error, read-only, unreachable, too slow: retry later, fail open now),
 * {@link Full} (no space: an admin must act), {@link Corrupt} (a row or page cannot be read: an
 * admin must verify). Backends translate their own errors into these once, where they call their
 * library; nobody above a backend sees a backend's exception types.
 */
public abstract sealed class StoreException extends RuntimeException {
  private StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code unavailable}, {@code full} or {@code corrupt}: for logs and metrics. */
  public abstract String kind();

  /** The store cannot be reached or used right now; it may work again by itself. */
  public static sealed class Unavailable extends StoreException permits InUse {
    public Unavailable(String message) {
      super(message, null);
    }

    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String kind() {
      return "unavailable";
    }
  }

  /**
   * The store is held by another process (an embedded store has one writer): a tool may hand its
   * work to that process, typically the running daemon, instead.
   */
  public static final class InUse extends Unavailable {
    public InUse(String message) {
      super(message);
    }
  }

  /** No space left for the store's data. */
  public static final class Full extends StoreException {
    public Full(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String kind() {
      return "full";
    }
  }

  /** The store's data is damaged. */
  public static final class Corrupt extends StoreException {
    public Corrupt(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String kind() {
      return "corrupt";
    }
  }
}
