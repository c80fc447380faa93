package org.greygate.migrate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/**
 * Copies one store into another through the contract (LMDB to Redis and back): every triplet and
 * client row, and the decision counters. Rows are written many at a time (a remote store answers
 * them pipelined); a row already in the target is kept when it was seen more recently, so a copy
 * can be run again after a first pass without going back in time. Rate-limit windows are not
 * copied: they are minutes to a day of counting and refill by themselves.
 */
public final class StoreCopy {
  private StoreCopy() {}

  /** What was copied. */
  public record Summary(long triplets, long clients, long counters) {}

  /** Told how far the copy is: what is being copied, how many so far, of how many. */
  @FunctionalInterface
  public interface Progress {
    void at(String what, long done, long total);
  }

  /**
   * The unit of each row written (a Redis Cluster keeps a unit's rows in one slot, where the daemon
   * looks for them): from the plain keys the rows are copied under.
   */
  public interface Placement {
    Placement NONE =
        new Placement() {
          @Override
          public String tripletUnit(String key) {
            return null;
          }

          @Override
          public String clientUnit(String key) {
            return null;
          }
        };

    String tripletUnit(String key);

    String clientUnit(String key);
  }

  private static final int IN_FLIGHT = 256;

  public static Summary copy(TripletStore from, TripletStore to, Progress progress) {
    return copy(from, to, Placement.NONE, progress);
  }

  public static Summary copy(
      TripletStore from, TripletStore to, Placement placement, Progress progress) {
    long tripletTotal = from.tripletCount();
    long clientTotal = from.clientCount();
    Writes w = new Writes();
    long[] n = new long[3];
    progress.at("triplets", 0, tripletTotal);
    from.forEachTriplet(
        (k, theirs) -> {
          w.add(to.step(placement.tripletUnit(k), k, null, (mine, c) -> newer(mine, theirs)));
          if (++n[0] % 1000 == 0) progress.at("triplets", n[0], tripletTotal);
        });
    w.drain();
    progress.at("triplets", n[0], tripletTotal);
    progress.at("clients", 0, clientTotal);
    from.forEachClient(
        (k, theirs) -> {
          w.add(to.step(placement.clientUnit(k), null, k, (t, mine) -> newer(mine, theirs)));
          if (++n[1] % 1000 == 0) progress.at("clients", n[1], clientTotal);
        });
    w.drain();
    progress.at("clients", n[1], clientTotal);
    List<DecisionCount> counts = new ArrayList<>();
    from.forEachDecisionCount(0, Long.MAX_VALUE, counts::add);
    for (DecisionCount c : counts) {
      to.countDecisions(c.hour(), c.outcome(), c.reason(), c.count());
      n[2]++;
    }
    progress.at("counters", n[2], counts.size());
    to.flush();
    return new Summary(n[0], n[1], n[2]);
  }

  static RowChange.Change<Void> newer(TripletEntry mine, TripletEntry theirs) {
    return new RowChange.Change<>(
        mine == null || theirs.lastSeen() > mine.lastSeen() ? theirs : null, null, null);
  }

  static RowChange.Change<Void> newer(ClientEntry mine, ClientEntry theirs) {
    return new RowChange.Change<>(
        null, mine == null || theirs.lastSeen() > mine.lastSeen() ? theirs : null, null);
  }

  /** At most {@link #IN_FLIGHT} writes outstanding; the first failure stops the copy. */
  private static final class Writes {
    private final Semaphore room = new Semaphore(IN_FLIGHT);
    private final AtomicReference<Throwable> failed = new AtomicReference<>();

    void add(CompletionStage<?> write) {
      check();
      room.acquireUninterruptibly();
      write.whenComplete(
          (v, e) -> {
            if (e != null) failed.compareAndSet(null, e);
            room.release();
          });
    }

    void drain() {
      room.acquireUninterruptibly(IN_FLIGHT);
      room.release(IN_FLIGHT);
      check();
    }

    private void check() {
      Throwable e = failed.get();
      if (e == null) return;
      Throwable c =
          e instanceof java.util.concurrent.CompletionException && e.getCause() != null
              ? e.getCause()
              : e;
      if (c instanceof RuntimeException r) throw r;
      throw new IllegalStateException(c);
    }
  }
}
