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

  /** The {@code what} of {@link #reload} for the rules file. */
  String RELOAD_RULES = "rules";

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

  /** A sweep slice finished: rows looked at and rows deleted in it. */
  default void sweepSlice(long visited, long deleted) {}

  /** A sweep round finished. */
  default void sweepRound(long visited, long deleted, long millis) {}

  /**
   * A configuration file was reloaded ({@code what}: {@link #RELOAD_WHITELISTS} or {@link
   * #RELOAD_RULES}); ok, or it was broken and the previous one kept.
   */
  default void reload(String what, boolean ok) {}

  /** A reading of Postfix's queues worked or failed. */
  default void queueRead(boolean ok) {}

  /** One of Postfix's queues ({@code incoming}, {@code deferred}, ...) at the last reading. */
  default void queueSize(String queue, long messages, long bytes) {}

  /** The queue watch alerted ({@code watermark}, {@code released}, {@code volume}, or a clear). */
  default void queueAlert(String alert) {}

  /** Lines the queue watch counted in the mail log ({@code released}, {@code delivery}). */
  default void mailLogSeen(String what, long lines) {}

  /**
   * A DNS list answered for a client ({@code listed}, {@code not-listed}, {@code refused}: the list
   * refused the query with a 127.255.255.x code, {@code bogus}: an answer outside 127/8, {@code
   * error}), or a request's DNS budget ran out ({@code timeout}).
   */
  default void dnsList(String result) {}

  /**
   * An SPF check for retry grouping ended: its result ({@code pass}, {@code fail}, {@code
   * softfail}, {@code neutral}, {@code none}, {@code permerror}, {@code temperror}), or {@code
   * timeout} when the request's DNS budget ran out first. {@code cached} is true when the answer
   * came from the result cache.
   */
  default void spf(String result, boolean cached) {}

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
      public void reload(String what, boolean ok) {
        a.reload(what, ok);
        b.reload(what, ok);
      }

      @Override
      public void queueRead(boolean ok) {
        a.queueRead(ok);
        b.queueRead(ok);
      }

      @Override
      public void queueSize(String queue, long messages, long bytes) {
        a.queueSize(queue, messages, bytes);
        b.queueSize(queue, messages, bytes);
      }

      @Override
      public void queueAlert(String alert) {
        a.queueAlert(alert);
        b.queueAlert(alert);
      }

      @Override
      public void mailLogSeen(String what, long lines) {
        a.mailLogSeen(what, lines);
        b.mailLogSeen(what, lines);
      }

      @Override
      public void dnsList(String result) {
        a.dnsList(result);
        b.dnsList(result);
      }

      @Override
      public void spf(String result, boolean cached) {
        a.spf(result, cached);
        b.spf(result, cached);
      }
    };
  }
}
