package org.greygate.store;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Greylisting state, decision-level: one call per decision. Keys are opaque strings built by the
 * greylist package (possibly hashed).
 *
 * <p><b>Atomicity.</b> {@link #step}, {@link #greylist} and {@link #addToWindow} are atomic per
 * call against every other call on the same keys, from any thread (and, for a shared backend, from
 * any host): two decisions on one triplet never both see it new, two passes never both count once.
 *
 * <p><b>Asynchrony.</b> Both return a {@link CompletionStage}. A local backend may complete it
 * before returning (reads inline, writes queued to its writer); a networked one completes it on its
 * own threads. Failures complete the stage exceptionally with a {@link StoreException} (or throw
 * one at once); "not found" is a {@code null} row, never an exception.
 *
 * <p><b>Durability.</b> A completed call's writes are seen by every later call, even before they
 * are durable; {@link #flush()} waits until every accepted write is.
 */
public interface TripletStore extends AutoCloseable {
  /**
   * Reads the triplet row and the client row, applies {@code change}, writes the rows it returns,
   * and completes with its result; atomically. Either key may be {@code null} (that row is then
   * neither read nor written).
   */
  <R> CompletionStage<R> step(String tripletKey, String clientKey, RowChange<R> change);

  /**
   * Postgrey's triplet rules at {@code now} on the triplet row and the client's auto-whitelist row:
   * atomically, as {@link #step}, with the writes and the result of {@link TripletRule#apply}. The
   * rule is data, so that each backend runs it where its rows are: an in-process backend applies it
   * in Java (a {@link #step} of {@link TripletRule#at}); Redis runs its script with the rule's
   * parameters, in one round trip. The contract suite and the Lua-vs-Java differential hold every
   * backend to the Java rules.
   *
   * @param tripletKey the triplet row's key, never {@code null}
   * @param clientKey the client's auto-whitelist row, or {@code null} when it is not consulted (it
   *     is not either when the rule's auto-whitelist is off)
   */
  CompletionStage<TripletRule.Result> greylist(
      String tripletKey, String clientKey, TripletRule rule, long now);

  /**
   * {@link #greylist(String, String, TripletRule, long)} with each row's unit: the rows of one unit
   * may be kept together (a Redis Cluster puts them in one hash slot, so one script decides on
   * both). The greylist package names the unit: a triplet's and its client's are the client's
   * network (as in the triplet key, possibly hashed), a triplet grouped by a sender domain has that
   * group. Other stores ignore the units.
   *
   * @param tripletUnit the triplet row's unit, or {@code null} for none (the rows of callers that
   *     name no unit are kept together)
   * @param clientUnit the client row's unit, or {@code null} for none
   */
  default CompletionStage<TripletRule.Result> greylist(
      String tripletUnit,
      String tripletKey,
      String clientUnit,
      String clientKey,
      TripletRule rule,
      long now) {
    return greylist(tripletKey, clientKey, rule, now);
  }

  /**
   * Whether this store keeps a unit's rows together, so that its callers should name the units
   * ({@link #greylist(String, String, String, String, TripletRule, long)}); a store that does not
   * spares them the work.
   */
  default boolean groupsRowsByUnit() {
    return false;
  }

  /**
   * {@link #step(String, String, RowChange)} with the rows' unit ({@code null}: none), as {@link
   * #greylist(String, String, String, String, TripletRule, long)}: for tools that place rows where
   * the daemon will look for them.
   */
  default <R> CompletionStage<R> step(
      String unit, String tripletKey, String clientKey, RowChange<R> change) {
    return step(tripletKey, clientKey, change);
  }

  /**
   * How this store runs its network I/O on the server's event loops, when it can: a store that
   * talks over the network on its own threads may move that work onto the threads that serve the
   * connections, sparing a hand-off between threads per request.
   */
  default Optional<EventLoopSharing> eventLoopSharing() {
    return Optional.empty();
  }

  /**
   * A windowed counter, for rate limits: adds {@code amount} to the counter {@code key} at {@code
   * now} unless the sum over the last {@code windowSeconds} would then pass {@code limit}, and
   * completes with the sum. Sliding: the window is kept in {@link WindowCounter#SLOTS} slots, so an
   * amount leaves the sum between {@code windowSeconds} and {@code windowSeconds +
   * ceil(windowSeconds / SLOTS)} seconds after it was added: never early, at most one slot late. An
   * amount of 0 reads the sum; a negative amount takes back an earlier add (never below 0).
   */
  CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit);

  /**
   * Counts one decision in the hour of {@code epochSecond}. Never blocks and never fails the
   * request: counts are kept in memory and written with the next batch of writes.
   */
  default void countDecision(long epochSecond, String action, String reason) {
    countDecisions(epochSecond, action, reason, 1);
  }

  /**
   * Adds {@code n} decisions to the counter of the hour of {@code epochSecond}, as {@link
   * #countDecision} does one (a restore from {@code greygate db dump} brings whole counters back).
   */
  void countDecisions(long epochSecond, String action, String reason, long n);

  /**
   * Calls {@code action} for every persisted decision counter of the hours starting in [{@code
   * fromHour}, {@code toHour}), in hour order.
   */
  void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action);

  /**
   * Deletes up to {@code limit} expired rows, starting after the cursor, and returns where to go
   * on. Bounded so that a sweep never holds the store for long.
   */
  SweepProgress sweep(Expiry rule, long now, SweepProgress from, int limit);

  /**
   * Whether {@link #tripletCount} is cheap enough for every stats line. A shared store counts by
   * walking every key (SCAN: seconds of the server's CPU per million keys, for each host asking).
   */
  default boolean countsCheaply() {
    return true;
  }

  long tripletCount();

  long clientCount();

  void forEachTriplet(BiConsumer<String, TripletEntry> action);

  void forEachClient(BiConsumer<String, ClientEntry> action);

  /**
   * Calls {@code action} with every windowed counter whose key starts with {@code prefix}, and its
   * window (seconds) and sum at {@code now}, in key order; counters that sum to 0 are left out.
   */
  void forEachWindow(String prefix, long now, WindowVisitor action);

  /** What {@link #forEachWindow} reports. */
  interface WindowVisitor {
    void accept(String key, long windowSeconds, long sum);
  }

  /** What keeps the store from working now (for a health check), or {@code null} when nothing. */
  default String problem() {
    return null;
  }

  /** Accepted writes not yet durable (0 for a store that writes synchronously). */
  default long pendingWrites() {
    return 0;
  }

  /**
   * Writes dropped under overload since the store was opened: the answer was decided from what was
   * read, the rows it would have changed were not kept (0 for a store that never drops).
   */
  default long droppedWrites() {
    return 0;
  }

  /**
   * New triplets written the slow way because the store's first-pass journal was full (0 for a
   * store without one): answers unchanged, the writer slower under a spam wave.
   */
  default long journalFull() {
    return 0;
  }

  /** Blocks until every accepted write is durable. */
  void flush();

  /**
   * For a store shared by several hosts: records how this host turns keys into stored keys ({@code
   * mark}: "plain", or a fingerprint of the privacy secret) the first time, and refuses a host that
   * does it differently, since its keys would never meet the others'. A store of one host has
   * nothing to check.
   *
   * @throws StoreException.Unavailable naming both, when they differ
   */
  default void checkKeying(String mark) {}

  /** Whether dead rows go by themselves (TTLs), so the daemon need not sweep. */
  default boolean expiresByItself() {
    return false;
  }

  /** Idempotent; pending writes are made durable first. */
  @Override
  void close();
}
