package org.greygate.store.lmdb;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.greygate.store.StoreException;
import org.greygate.store.WindowCounter;

/**
 * Rate-limit windows in memory, written behind. A message counted by five rules changes five rows;
 * written through one by one (each an overlay entry, a queued write, a commit and an overlay
 * removal) that was most of what rate limits cost. Here a row changes in memory under the caller's
 * lock, and {@link #flush} writes each changed row once, however often it changed since: a hot key
 * (the {@code global} rule's) costs one write per flush, not one per message.
 *
 * <p>Durability: a change reaches LMDB with the next flush (every {@link #FLUSH_MILLIS} ms) and its
 * commit, so a crash loses at most that much counting. A row leaves memory only when it is clean,
 * its last write committed, and it was not used for a whole {@link #EVICT_MILLIS} period.
 *
 * <p>Thread-safety: {@link #add} runs under the key's stripe lock (held by the store); {@link
 * #flush} and {@link #evict} take the same locks through {@code stripe}.
 */
final class WindowCache {
  static final long FLUSH_MILLIS = 250;
  static final long EVICT_MILLIS = 30_000;

  /** One cached row. Guarded by its key's stripe lock. */
  private static final class Entry {
    long[] row;
    boolean dirty;
    boolean recent = true;
    long flushedAt = -1; // the commit count after which its last write is surely durable
  }

  /** Where rows come from and go to. */
  interface Backing {
    /** The stored row, or null. */
    byte[] read(String key);

    /** Queues a write (admitted first). */
    void write(String key, byte[] value);

    /** Commits completed so far. */
    long commits();
  }

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> dirty = new ConcurrentLinkedQueue<>();
  private final Backing backing;
  private final Function<String, Object> stripe;

  WindowCache(Backing backing, Function<String, Object> stripe) {
    this.backing = backing;
    this.stripe = stripe;
  }

  /** Applies {@link WindowCounter#add}; the caller holds {@code stripe(key)}. */
  WindowCounter.Added add(String key, long now, long window, long amount, long limit) {
    Entry e = entries.get(key);
    if (e == null) {
      e = new Entry();
      e.row = WindowCounter.decode(backing.read(key));
      entries.put(key, e);
    }
    e.recent = true;
    WindowCounter.Added added = WindowCounter.add(e.row, now, window, amount, limit);
    if (added.row() != null) {
      e.row = added.row();
      if (!e.dirty) {
        e.dirty = true;
        dirty.add(key);
      }
    }
    return added;
  }

  /** The row as it is now (cached or stored), for listing; null when there is none. */
  long[] current(String key) {
    synchronized (stripe.apply(key)) {
      Entry e = entries.get(key);
      return e != null ? e.row : WindowCounter.decode(backing.read(key));
    }
  }

  /** Keys held in memory (a listing merges them over the stored rows). */
  Iterable<String> cachedKeys() {
    return entries.keySet();
  }

  /**
   * Queues one write per row changed since the last flush. A row the writer cannot take now (its
   * backlog is full) stays changed and is tried again at the next flush.
   *
   * @return rows queued
   */
  int flush() {
    int n = 0;
    for (String key; (key = dirty.poll()) != null; ) {
      byte[] value;
      Entry e;
      synchronized (stripe.apply(key)) {
        e = entries.get(key);
        if (e == null || !e.dirty) continue;
        value = WindowCounter.encode(e.row);
        try {
          backing.write(key, value);
        } catch (StoreException.Unavailable full) {
          dirty.add(key); // still dirty: next time
          throw full;
        }
        e.dirty = false;
        // a commit under way may not hold this write; the one after it does
        e.flushedAt = backing.commits() + 1;
      }
      n++;
    }
    return n;
  }

  /** Drops rows that are clean, committed and unused for a period. */
  void evict() {
    long commits = backing.commits();
    for (Map.Entry<String, Entry> me : entries.entrySet()) {
      String key = me.getKey();
      synchronized (stripe.apply(key)) {
        Entry e = me.getValue();
        if (e.recent) {
          e.recent = false;
        } else if (!e.dirty && e.flushedAt < commits) {
          entries.remove(key, e);
        }
      }
    }
  }

  int size() {
    return entries.size();
  }

  /** For tests: rows changed and not yet queued. */
  int dirtyCount() {
    return (int) entries.values().stream().filter(e -> e.dirty).count();
  }
}
