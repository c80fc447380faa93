package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.greygate.store.StoreException;
import org.greygate.store.WindowCounter;
import org.junit.jupiter.api.Test;

/** The write-behind rules, against a backing that records what it is given. */
class WindowCacheTest {
  static final class Recording implements WindowCache.Backing {
    final Map<String, byte[]> stored = new HashMap<>();
    final List<String> writes = new ArrayList<>();
    long commits;
    boolean full;

    @Override
    public byte[] read(String key) {
      return stored.get(key);
    }

    @Override
    public void write(String key, byte[] value) {
      if (full) throw new StoreException.Unavailable("write backlog full");
      writes.add(key);
      stored.put(key, value);
    }

    @Override
    public long commits() {
      return commits;
    }
  }

  final Object lock = new Object();
  final Recording backing = new Recording();
  final WindowCache cache = new WindowCache(backing, k -> lock);

  long add(String key, long amount) {
    synchronized (lock) {
      return cache.add(key, 1000, 600, amount, Long.MAX_VALUE).count().sum();
    }
  }

  @Test
  void manyChangesToOneRowAreOneWrite() {
    for (int i = 0; i < 1000; i++) add("global", 1);
    add("alice", 1);
    assertEquals(2, cache.flush());
    assertEquals(List.of("global", "alice"), backing.writes);
    assertEquals(
        1000,
        WindowCounter.windowAndSum(WindowCounter.decode(backing.stored.get("global")), 1000)[1]);
    assertEquals(0, cache.flush(), "nothing changed since");
  }

  @Test
  void aRowIsReadFromTheStoreOnce() {
    synchronized (lock) {
      backing.stored.put(
          "bob", WindowCounter.encode(WindowCounter.add(null, 1000, 600, 7, 100).row()));
    }
    assertEquals(8, add("bob", 1));
    backing.stored.clear(); // the cache answers from now on
    assertEquals(9, add("bob", 1));
  }

  @Test
  void aFullBacklogKeepsTheRowChangedForTheNextFlush() {
    add("alice", 1);
    backing.full = true;
    assertThrows(StoreException.Unavailable.class, cache::flush);
    assertEquals(1, cache.dirtyCount());
    backing.full = false;
    assertEquals(1, cache.flush());
    assertEquals(0, cache.dirtyCount());
  }

  @Test
  void onlyCleanCommittedUnusedRowsAreEvicted() {
    add("flushed", 1);
    add("dirty", 1);
    synchronized (lock) {
      cache.add("read-only", 1000, 600, 0, Long.MAX_VALUE); // a read changes nothing
    }
    backing.writes.clear();
    cache.flush(); // queues flushed and dirty
    add("dirty", 1); // changed again after its write was queued
    cache.evict(); // everything was used since the last pass: kept, marked unused
    assertEquals(3, cache.size());
    backing.commits = 1; // a commit under way when the writes were queued may not hold them
    cache.evict();
    assertEquals(2, cache.size(), "read-only was never changed: evicted");
    backing.commits = 2;
    cache.evict();
    assertEquals(1, cache.size(), "flushed is durable now; dirty still waits for its flush");
    cache.flush();
    backing.commits = 4;
    cache.evict();
    assertEquals(0, cache.size());
    assertEquals(2, add("dirty", 0), "and what was evicted is read back from the store");
  }
}
