package org.greygate.store.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.Expiry;
import org.greygate.store.RowChange;
import org.greygate.store.StoreException;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.TripletStore;
import org.greygate.store.WindowCount;
import org.greygate.store.WindowCounter;

/**
 * Every table in a sorted map, every call under one lock: atomic by construction, and therefore the
 * reference the other backends are tested against. Thread-safe; not durable.
 */
public final class MemoryStore implements TripletStore {
  private final TreeMap<String, TripletEntry> triplets = new TreeMap<>();
  private final TreeMap<String, ClientEntry> clients = new TreeMap<>();
  private final TreeMap<String, long[]> windows = new TreeMap<>();
  private final TreeMap<Long, TreeMap<String, Long>> decisions = new TreeMap<>();
  private boolean closed;

  @Override
  public synchronized <R> CompletionStage<R> step(
      String tripletKey, String clientKey, RowChange<R> change) {
    try {
      ensureOpen();
      TripletEntry t = tripletKey == null ? null : triplets.get(tripletKey);
      ClientEntry c = clientKey == null ? null : clients.get(clientKey);
      RowChange.Change<R> out = change.apply(t, c);
      if (tripletKey != null && out.triplet() != null) triplets.put(tripletKey, out.triplet());
      if (clientKey != null && out.client() != null) clients.put(clientKey, out.client());
      return CompletableFuture.completedFuture(out.result());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The rules in Java, as any other step. */
  @Override
  public CompletionStage<TripletRule.Result> greylist(
      String tripletKey, String clientKey, TripletRule rule, long now) {
    return step(tripletKey, clientKey, rule.at(now));
  }

  @Override
  public synchronized CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit) {
    try {
      ensureOpen();
      WindowCounter.Added a =
          WindowCounter.add(windows.get(key), now, windowSeconds, amount, limit);
      if (a.row() != null) windows.put(key, a.row());
      return CompletableFuture.completedFuture(a.count());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public synchronized void countDecisions(long epochSecond, String action, String reason, long n) {
    if (closed) return;
    long hour = epochSecond - Math.floorMod(epochSecond, 3600);
    decisions
        .computeIfAbsent(hour, h -> new TreeMap<>())
        .merge(action + "\0" + reason, n, Long::sum);
  }

  @Override
  public void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action) {
    List<DecisionCount> out = new ArrayList<>();
    synchronized (this) {
      for (Map.Entry<Long, TreeMap<String, Long>> h :
          decisions.subMap(fromHour, true, toHour, false).entrySet()) {
        for (Map.Entry<String, Long> e : h.getValue().entrySet()) {
          int nul = e.getKey().indexOf('\0');
          out.add(
              new DecisionCount(
                  h.getKey(),
                  e.getKey().substring(0, nul),
                  e.getKey().substring(nul + 1),
                  e.getValue()));
        }
      }
    }
    out.forEach(action);
  }

  @Override
  public synchronized SweepProgress sweep(Expiry rule, long now, SweepProgress from, int limit) {
    ensureOpen();
    int before = size();
    triplets.values().removeIf(e -> rule.expired(e, now));
    clients.values().removeIf(e -> rule.expired(e, now));
    windows.values().removeIf(w -> WindowCounter.expired(w, now));
    decisions.keySet().removeIf(h -> rule.hourExpired(h, now));
    return SweepProgress.done(before, before - size());
  }

  private int size() {
    return triplets.size() + clients.size() + windows.size() + decisions.size();
  }

  @Override
  public synchronized long tripletCount() {
    return triplets.size();
  }

  @Override
  public synchronized long clientCount() {
    return clients.size();
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    Map<String, TripletEntry> copy;
    synchronized (this) {
      copy = new TreeMap<>(triplets);
    }
    copy.forEach(action);
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    Map<String, ClientEntry> copy;
    synchronized (this) {
      copy = new TreeMap<>(clients);
    }
    copy.forEach(action);
  }

  @Override
  public void forEachWindow(String prefix, long now, WindowVisitor action) {
    Map<String, long[]> copy;
    synchronized (this) {
      copy = new TreeMap<>(windows.tailMap(prefix, true));
    }
    for (Map.Entry<String, long[]> e : copy.entrySet()) {
      if (!e.getKey().startsWith(prefix)) break;
      long[] ws = WindowCounter.windowAndSum(e.getValue(), now);
      if (ws != null && ws[1] > 0) action.accept(e.getKey(), ws[0], ws[1]);
    }
  }

  @Override
  public void flush() {}

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void ensureOpen() {
    if (closed) throw new StoreException.Unavailable("store is closed");
  }
}
