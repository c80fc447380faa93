package org.greygate.store;

/**
 * The decision's part of a {@link TripletStore#step}: from the rows as they are to the rows as they
 * should be, plus what the caller wants to know. A pure function: it runs inside the store's atomic
 * section (possibly more than once, possibly on a network thread), so it must not block, call the
 * store or have side effects.
 */
@FunctionalInterface
public interface RowChange<R> {
  /**
   * @param triplet the triplet row, or {@code null} when absent (or no triplet key was given)
   * @param client the client row, or {@code null} when absent (or no client key was given)
   */
  Change<R> apply(TripletEntry triplet, ClientEntry client);

  /**
   * The rows to write and the result.
   *
   * @param triplet the new triplet row, or {@code null} to leave it as it is
   * @param client the new client row, or {@code null} to leave it as it is
   * @param result handed back to the caller of {@code step}
   */
  record Change<R>(TripletEntry triplet, ClientEntry client, R result) {}
}
