package org.greygate.store;

import java.util.function.BiConsumer;

/**
 * Greylisting state. Keys are opaque strings built by the greylist package (possibly hashed).
 *
 * <p>Thread-safety: every method may be called from any thread. Reads see every write this store
 * accepted before, even one not yet durable. {@code put*} may return before the write is durable;
 * {@link #flush()} waits until every accepted write is.
 *
 * <p>Failures surface as {@link StoreException}; "not found" is {@code null}, never an exception.
 */
public interface TripletStore extends AutoCloseable {
  TripletEntry getTriplet(String key);

  void putTriplet(String key, TripletEntry entry);

  ClientEntry getClient(String key);

  void putClient(String key, ClientEntry entry);

  /**
   * Deletes up to {@code limit} expired rows, starting after the cursor, and returns where to go
   * on. Bounded so that a sweep never holds the store for long.
   */
  SweepProgress sweep(ExpiryRule rule, long now, SweepProgress from, int limit);

  long tripletCount();

  long clientCount();

  void forEachTriplet(BiConsumer<String, TripletEntry> action);

  void forEachClient(BiConsumer<String, ClientEntry> action);

  /** Blocks until every accepted write is durable. */
  void flush();

  /** Idempotent; pending writes are made durable first. */
  @Override
  void close();
}
