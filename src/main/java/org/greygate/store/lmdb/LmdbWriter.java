package org.greygate.store.lmdb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.greygate.store.Expiry;
import org.greygate.store.StoreException;
import org.greygate.store.SweepProgress;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer (LMDB allows one write transaction at a time): one thread drains a queue of
 * writes into transactions. Everything queued while the previous commit was syncing goes into the
 * next one (group commit), so a burst of N writes costs one sync, not N; commits start at most once
 * per {@code commitInterval}, and a flush, a sweep slice or close ends that wait at once.
 *
 * <p>Decision counters are added up in memory and merged into the next commit (or, when idle,
 * within {@link #IDLE_POLL_MILLIS}).
 *
 * <p>A failing commit (disk full, read-only, I/O error) keeps its batch and retries with back-off
 * (10 ms doubling to 1 s); once {@code maxPending} writes are waiting, {@link #tryAdmit} says no
 * while commits work (the writer is only slower than the writes: the caller drops them and keeps
 * its answer) and throws while they fail (the caller fails open), instead of filling memory.
 */
final class LmdbWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LmdbWriter.class);

  /**
   * The most writes one commit takes. A spam wave's new rows land on random pages: a commit of N
   * such writes into a store of L leaf pages rewrites up to min(N, L) of them, so under a sustained
   * wave larger commits rewrite fewer pages per row (measured with 10,000 and 100,000 in
   * docs/performance.md, "Sustained new-triplet writes"). Ordinary load never reaches it: what
   * arrives in one commit interval is far less.
   */
  static final int MAX_BATCH = 100_000;

  static final long IDLE_POLL_MILLIS = 200;

  /**
   * Called after a commit with each row it made durable, as it was put into the overlay (to drop it
   * from there).
   */
  interface Committed {
    void committed(Table table, String key, byte[] value);
  }

  /** Called for each journal row the sweep deleted (its sequence and triplet key). */
  interface Expired {
    void expired(long seq, byte[] key);
  }

  sealed interface Op permits Put, Append, Sweep, Barrier {}

  /**
   * A row to write; {@code drop}, when not negative, is a journal row deleted in the same commit
   * (the triplet moves from the journal into its table).
   */
  record Put(Table table, String key, byte[] value, long drop) implements Op {
    Put(Table table, String key, byte[] value) {
      this(table, key, value, -1);
    }
  }

  /**
   * A first-pass row appended to the journal under {@code seq}; {@code overlay} is the triplet as
   * the overlay holds it (first seen, last seen, attempts, seq); {@code drop} as in {@link Put}.
   */
  record Append(long seq, String key, byte[] overlay, long drop) implements Op {}

  record Sweep(
      Expiry rule, long now, SweepProgress from, int limit, CompletableFuture<SweepProgress> done)
      implements Op {}

  record Barrier(CompletableFuture<Void> done) implements Op {}

  private record CounterKey(long hour, String action, String reason) {}

  private static final java.util.Comparator<Put> PUT_ORDER =
      java.util.Comparator.comparing(Put::table).thenComparing(Put::key);

  private final LmdbEnvironment env;
  private final Committed committed;
  private final Expired expired;

  /** The highest sequence in the journal: a higher one is appended (MDB_APPEND: full pages). */
  private long journalTail;

  private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger backlog = new AtomicInteger();
  private final int maxPending;
  private final long commitIntervalNanos;
  private final Pacer pacer;
  private final Map<CounterKey, LongAdder> counters = new ConcurrentHashMap<>();
  private volatile boolean countersDirty;

  /** A flush, sweep slice or close is queued: commit without waiting for the interval. */
  private volatile boolean urgent;

  private final Thread thread;
  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition closing = stateLock.newCondition();
  private volatile boolean closed;
  private volatile long commits;
  private volatile String lastFailure;

  LmdbWriter(
      LmdbEnvironment env,
      int maxPending,
      Duration commitInterval,
      Pacer pacer,
      long journalTail,
      Committed committed,
      Expired expired) {
    if (commitInterval.isNegative()) {
      throw new IllegalArgumentException("commit interval must be >= 0");
    }
    this.env = env;
    this.maxPending = maxPending;
    this.commitIntervalNanos = commitInterval.toNanos();
    this.pacer = pacer;
    this.committed = committed;
    this.expired = expired;
    this.journalTail = journalTail;
    thread = new Thread(this::loop, "lmdb-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Reserves room for {@code n} writes.
   *
   * @throws StoreException.Unavailable when the backlog is full (the disk is failing or slow)
   */
  void admit(int n) {
    if (closed) {
      throw new StoreException.Unavailable("store " + env.dir + " is closed");
    }
    if (backlog.addAndGet(n) > maxPending) {
      backlog.addAndGet(-n);
      throw new StoreException.Unavailable(
          "write backlog full ("
              + maxPending
              + " pending writes): "
              + (lastFailure == null ? "store is slow" : lastFailure));
    }
  }

  /**
   * Reserves room for {@code n} writes when there is some; {@code false} when the backlog is full
   * while commits work (the writer is only slower than the writes arriving: the caller may drop
   * them).
   *
   * @throws StoreException.Unavailable when closed, or the backlog is full because commits fail
   *     (disk full, I/O error): that is not overload but a fault, reported as one
   */
  boolean tryAdmit(int n) {
    if (closed) {
      throw new StoreException.Unavailable("store " + env.dir + " is closed");
    }
    if (backlog.addAndGet(n) <= maxPending) return true;
    backlog.addAndGet(-n);
    String failing = lastFailure;
    if (failing != null) {
      throw new StoreException.Unavailable(
          "write backlog full (" + maxPending + " pending writes): " + failing);
    }
    return false;
  }

  int maxPending() {
    return maxPending;
  }

  /** Queues a write admitted before. */
  void put(Op p) {
    queue.add(p);
  }

  void countDecisions(long hour, String action, String reason, long n) {
    counters.computeIfAbsent(new CounterKey(hour, action, reason), k -> new LongAdder()).add(n);
    if (!countersDirty) countersDirty = true;
  }

  SweepProgress sweep(Expiry rule, long now, SweepProgress from, int limit) {
    CompletableFuture<SweepProgress> done = new CompletableFuture<>();
    enqueue(new Sweep(rule, now, from, limit, done));
    return await(done, "sweep");
  }

  void flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    countersDirty = true;
    enqueue(new Barrier(done));
    await(done, "flush");
  }

  /** Queues a flush or a sweep slice and wakes the writer from its interval. */
  private void enqueue(Op op) {
    if (closed) {
      throw new StoreException.Unavailable("store " + env.dir + " is closed");
    }
    queue.add(op);
    urgent = true;
    LockSupport.unpark(thread);
  }

  /** The last commit failure, while commits fail; {@code null} once they work. */
  String failure() {
    return lastFailure == null ? null : "writes failing: " + lastFailure;
  }

  int pending() {
    return backlog.get();
  }

  long commits() {
    return commits;
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable(what + " interrupted");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof StoreException s) throw s;
      throw new StoreException.Unavailable(what + " failed: " + c, c);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new StoreException.Unavailable(
          what + " timed out: " + (lastFailure == null ? "store is slow" : lastFailure));
    }
  }

  private void loop() {
    List<Op> batch = new ArrayList<>();
    Map<CounterKey, Long> counts = new HashMap<>();
    long backoffMillis = 0;
    long lastStart = pacer.nanoTime() - commitIntervalNanos;
    while (true) {
      try {
        if (batch.isEmpty() && counts.isEmpty()) {
          if (closed && queue.isEmpty()) {
            drainCounters(counts);
            if (counts.isEmpty()) return;
          } else {
            Op first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (first != null) {
              batch.add(first);
              collect(batch, first, lastStart + commitIntervalNanos);
            } else if (!countersDirty || pacer.nanoTime() - lastStart < commitIntervalNanos) {
              continue; // counters alone keep to the commit interval too
            }
          }
        }
        drainCounters(counts);
        lastStart = pacer.nanoTime();
        commit(batch, counts);
        batch.clear();
        counts.clear();
        backoffMillis = 0;
        if (lastFailure != null) {
          log.info("LMDB writes in {} work again", env.dir);
          lastFailure = null;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        String message = e.getMessage();
        if (!String.valueOf(message).equals(lastFailure)) {
          log.error("LMDB commit failed in {}; {} writes kept for retry", env.dir, batch.size(), e);
        }
        lastFailure = message;
        if (closed) {
          failAll(batch, e);
          return;
        }
        backoffMillis = Math.min(Math.max(backoffMillis * 2, 10), 1000);
        if (!waitForClose(backoffMillis)) {
          failAll(batch, e);
          return;
        }
      }
    }
  }

  /**
   * Adds to {@code batch} what arrives until {@code due} (the earliest start of the next commit),
   * then whatever is queued. The writer sleeps through the interval instead of waking for every
   * write (that would cost a thread wake-up per write on the threads that decide); a flush, a sweep
   * slice or closing wakes it at once: someone waits for those.
   */
  private void collect(List<Op> batch, Op first, long due) {
    if (first instanceof Put || first instanceof Append) {
      while (!closed
          && !urgent
          && batch.size() + queue.size() < MAX_BATCH
          && due - pacer.nanoTime() > 0) {
        pacer.park(due);
      }
    }
    urgent = false;
    queue.drainTo(batch, MAX_BATCH - batch.size());
  }

  /** Moves the in-memory counts into {@code into}; increments racing in stay for next time. */
  private void drainCounters(Map<CounterKey, Long> into) {
    countersDirty = false;
    for (var e : counters.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n > 0) {
        into.merge(e.getKey(), n, Long::sum);
      } else if (counters.size() > 1000) {
        counters.remove(e.getKey(), e.getValue()); // an hour long gone
      }
    }
  }

  private void commit(List<Op> batch, Map<CounterKey, Long> counts) {
    List<SweepProgress> sweepResults = new ArrayList<>();
    // Several writes of one key in a batch: only the last reaches LMDB.
    Map<Table, Map<String, Put>> last = new EnumMap<>(Table.class);
    for (Op op : batch) {
      if (op instanceof Put p)
        last.computeIfAbsent(p.table(), t -> new HashMap<>()).put(p.key(), p);
    }
    long[] tail = {journalTail};
    env.write(
        txn -> {
          sweepResults.clear();
          tail[0] = journalTail; // again from the start when the map grew and the body reruns
          List<Put> run = new ArrayList<>();
          List<Append> appends = new ArrayList<>();
          java.util.Set<Long> drops = new java.util.HashSet<>();
          for (Op op : batch) {
            if (op instanceof Put p) {
              if (last.get(p.table()).get(p.key()) == p) run.add(p);
              if (p.drop() >= 0) drops.add(p.drop());
            } else if (op instanceof Append a) {
              appends.add(a);
              if (a.drop() >= 0) drops.add(a.drop());
            } else {
              putInKeyOrder(txn, run);
              tail[0] = journal(txn, appends, drops, tail[0]);
              if (op instanceof Sweep s) {
                sweepResults.add(
                    LmdbSweep.slice(env, txn, s.rule(), s.now(), s.from(), s.limit(), expired));
              }
            }
          }
          putInKeyOrder(txn, run);
          tail[0] = journal(txn, appends, drops, tail[0]);
          Dbi<java.nio.ByteBuffer> decisions = env.dbi(Table.DECISIONS);
          for (var e : counts.entrySet()) {
            CounterKey k = e.getKey();
            byte[] key = LmdbCodec.decisionKey(k.hour(), k.action(), k.reason());
            byte[] old = LmdbEnvironment.get(txn, decisions, key);
            long before = old != null && old.length == 8 ? LmdbCodec.longAt(old, 0) : 0;
            LmdbEnvironment.put(txn, decisions, key, LmdbCodec.count(before + e.getValue()));
          }
        });
    journalTail = tail[0];
    commits++; // before anyone waiting for this commit is told it is done
    int i = 0;
    for (Op op : batch) {
      if (op instanceof Put p) {
        committed.committed(p.table(), p.key(), p.value());
        backlog.decrementAndGet();
      } else if (op instanceof Append a) {
        committed.committed(Table.TRIPLETS, a.key(), a.overlay());
        backlog.decrementAndGet();
      } else if (op instanceof Sweep s) {
        s.done().complete(sweepResults.get(i++));
      } else if (op instanceof Barrier b) {
        b.done().complete(null);
      }
    }
  }

  /**
   * Writes {@code run} (consecutive puts of a batch, each key's last) sorted by table and key: the
   * B-tree is then walked in order, each leaf reached once while its path is still in the cache,
   * rather than at random (docs/performance.md, "Sustained new-triplet writes"). Between two runs
   * is a sweep slice, which keeps its place.
   */
  private void putInKeyOrder(Txn<java.nio.ByteBuffer> txn, List<Put> run) {
    if (run.size() > 1) {
      run.sort(PUT_ORDER);
    }
    for (Put p : run) {
      LmdbEnvironment.put(txn, env.dbi(p.table()), LmdbCodec.key(p.key()), p.value());
    }
    run.clear();
  }

  /**
   * Appends {@code appends} to the journal in sequence order (each new sequence above the tail with
   * MDB_APPEND: no search, pages filled to the brim) and deletes the rows of {@code drops}; a row
   * both appended and dropped here is not written at all. Returns the new tail.
   */
  private long journal(
      Txn<java.nio.ByteBuffer> txn, List<Append> appends, java.util.Set<Long> drops, long tail) {
    if (appends.isEmpty() && drops.isEmpty()) return tail;
    Dbi<java.nio.ByteBuffer> journal = env.dbi(Table.JOURNAL);
    if (appends.size() > 1) appends.sort(java.util.Comparator.comparingLong(Append::seq));
    for (Append a : appends) {
      if (drops.remove(a.seq())) continue;
      byte[] value =
          LmdbCodec.journal(
              LmdbCodec.key(a.key()),
              LmdbCodec.longAt(a.overlay(), 0),
              LmdbCodec.longAt(a.overlay(), 8),
              LmdbCodec.longAt(a.overlay(), 16));
      if (a.seq() > tail) {
        journal.put(
            txn,
            LmdbEnvironment.key(LmdbCodec.seqKey(a.seq())),
            LmdbEnvironment.value(value),
            org.lmdbjava.PutFlags.MDB_APPEND);
        tail = a.seq();
      } else {
        LmdbEnvironment.put(txn, journal, LmdbCodec.seqKey(a.seq()), value);
      }
    }
    for (long seq : drops) {
      LmdbEnvironment.delete(txn, journal, LmdbCodec.seqKey(seq));
    }
    appends.clear();
    drops.clear();
    return tail;
  }

  /** Waits for the back-off; returns false if the store is closing instead. */
  private boolean waitForClose(long millis) {
    stateLock.lock();
    try {
      if (!closed) {
        closing.await(millis, TimeUnit.MILLISECONDS);
      }
      return !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      stateLock.unlock();
    }
  }

  private void failAll(List<Op> batch, RuntimeException cause) {
    for (Op op : batch) {
      if (op instanceof Sweep s) s.done().completeExceptionally(cause);
      if (op instanceof Barrier b) b.done().completeExceptionally(cause);
    }
  }

  /** Commits what is queued (up to 10 s), then stops the thread. Idempotent. */
  @Override
  public void close() {
    stateLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closing.signalAll();
    } finally {
      stateLock.unlock();
    }
    queue.add(new Barrier(new CompletableFuture<>())); // ends the writer's wait at once
    urgent = true;
    LockSupport.unpark(thread);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.error("LMDB writer did not finish within 10 s; {} writes are lost", backlog.get());
      thread.interrupt();
    }
  }
}
