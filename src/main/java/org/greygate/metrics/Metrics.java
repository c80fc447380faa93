package org.greygate.metrics;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * What the stages of a request's path report. Every method is cheap, never throws and is safe from
 * any thread; implementations must not block (they are called on the network threads).
 */
public interface Metrics {
  /** Every {@code kind} {@link #storeFault} is told: the store's fault kinds. */
  List<String> STORE_FAULT_KINDS = List.of("unavailable", "full", "corrupt");

  /**
   * Every {@code cause} {@link #failOpen} is told: a store fault ({@code store} and its kind), the
   * reply deadline, any other failure of a decision.
   */
  List<String> FAIL_OPEN_CAUSES =
      List.of("store unavailable", "store full", "store corrupt", "timeout", "error");

  /** The {@code what} of {@link #reload} for the whitelist files. */
  String RELOAD_WHITELISTS = "whitelists";

  /**
   * A request was answered.
   *
   * @param outcome what Postfix was told ({@code defer}, {@code prepend}, {@code dunno}, ...)
   * @param reason the stable reason ({@code new}, {@code triplet found}, ...)
   * @param nanos from the request decoded to its answer decided
   */
  default void decision(String outcome, String reason, long nanos) {}

  /** The store failed under a decision; {@code kind} is one of {@link #STORE_FAULT_KINDS}. */
  default void storeFault(String kind) {}

  /** An answer was the configured fail-open action; {@code cause}: {@link #FAIL_OPEN_CAUSES}. */
  default void failOpen(String cause) {}

  /** A connection was accepted and is now served. */
  default void connectionOpened() {}

  /** A served connection ended. */
  default void connectionClosed() {}

  /** A connection was closed at once: the connection cap was reached. */
  default void connectionRefused() {}

  /** A connection was closed at once: the peer is outside the allowed networks. */
  default void connectionDenied() {}

  /** A connection was closed for breaking the protocol or a limit. */
  default void protocolError() {}

  /** A request got the fail-open answer because no decision was ready by its deadline. */
  default void replyTimeout() {}

  /** Where the store can tell how many accepted writes are not yet durable. */
  default void pendingWrites(LongSupplier pending) {}

  /**
   * Where the store can tell how many writes it dropped under overload (the answers stood; the rows
   * were not kept).
   */
  default void droppedWrites(LongSupplier dropped) {}

  /**
   * Where the store can tell how many new triplets it wrote the slow way (random inserts) because
   * its first-pass journal was full.
   */
  default void journalFull(LongSupplier full) {}

  /** A sweep slice finished: rows looked at and rows deleted in it. */
  default void sweepSlice(long visited, long deleted) {}

  /** A sweep round finished. */
  default void sweepRound(long visited, long deleted, long millis) {}

  /**
   * A configuration file was reloaded ({@code what}: {@link #RELOAD_WHITELISTS} or {@link
   * #RELOAD_RULES}); ok, or it was broken and the previous one kept.
   */
  default void reload(String what, boolean ok) {}

  /**
   * {@code what} can be reloaded: its {@link #reload} series exist from the first scrape, at 0 (a
   * series that appears with its first event is invisible to {@code increase()}).
   */
  default void reloadable(String what) {}

  /** A feature's own meter, made known before it is fed (its series then exist at 0). */
  default void declare(Meter meter) {}

  /** Adds {@code amount} to a declared counter's series of {@code labels}. */
  default void add(Meter meter, double amount, String... labels) {}

  /** Sets a declared gauge's series of {@code labels} to {@code value}. */
  default void set(Meter meter, double value, String... labels) {}

  /** Reports nothing. */
  Metrics NONE = new Metrics() {};

  /** Reports everything to both (the stats line's counters and an exporter, say). */
  static Metrics both(Metrics a, Metrics b) {
    return new Metrics() {
      @Override
      public void decision(String outcome, String reason, long nanos) {
        a.decision(outcome, reason, nanos);
        b.decision(outcome, reason, nanos);
      }

      @Override
      public void storeFault(String kind) {
        a.storeFault(kind);
        b.storeFault(kind);
      }

      @Override
      public void failOpen(String cause) {
        a.failOpen(cause);
        b.failOpen(cause);
      }

      @Override
      public void connectionOpened() {
        a.connectionOpened();
        b.connectionOpened();
      }

      @Override
      public void connectionClosed() {
        a.connectionClosed();
        b.connectionClosed();
      }

      @Override
      public void connectionRefused() {
        a.connectionRefused();
        b.connectionRefused();
      }

      @Override
      public void connectionDenied() {
        a.connectionDenied();
        b.connectionDenied();
      }

      @Override
      public void protocolError() {
        a.protocolError();
        b.protocolError();
      }

      @Override
      public void replyTimeout() {
        a.replyTimeout();
        b.replyTimeout();
      }

      @Override
      public void pendingWrites(LongSupplier pending) {
        a.pendingWrites(pending);
        b.pendingWrites(pending);
      }

      @Override
      public void droppedWrites(LongSupplier dropped) {
        a.droppedWrites(dropped);
        b.droppedWrites(dropped);
      }

      @Override
      public void journalFull(LongSupplier full) {
        a.journalFull(full);
        b.journalFull(full);
      }

      @Override
      public void sweepSlice(long visited, long deleted) {
        a.sweepSlice(visited, deleted);
        b.sweepSlice(visited, deleted);
      }

      @Override
      public void sweepRound(long visited, long deleted, long millis) {
        a.sweepRound(visited, deleted, millis);
        b.sweepRound(visited, deleted, millis);
      }

      @Override
      public void reloadable(String what) {
        a.reloadable(what);
        b.reloadable(what);
      }

      @Override
      public void declare(Meter meter) {
        a.declare(meter);
        b.declare(meter);
      }

      @Override
      public void add(Meter meter, double amount, String... labels) {
        a.add(meter, amount, labels);
        b.add(meter, amount, labels);
      }

      @Override
      public void set(Meter meter, double value, String... labels) {
        a.set(meter, value, labels);
        b.set(meter, value, labels);
      }

      @Override
      public void reload(String what, boolean ok) {
        a.reload(what, ok);
        b.reload(what, ok);
      }
    };
  }
}
