package org.greygate.store.lmdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
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
import org.lmdbjava.Cursor;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.KeyRange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link TripletStore}: LMDB in one directory.
 *
 * <p>A step reads its rows on the calling thread (one short read transaction, microseconds), runs
 * the change under a lock striped by key, puts the new rows into an in-memory overlay (so every
 * later read sees them at once) and queues them to the {@link LmdbWriter}; it completes before it
 * returns. A row leaves the overlay once its commit is durable, unless a newer write replaced it.
 * The durability window is the commit interval plus one commit (docs/reliability.md).
 *
 * <p>Rate-limit windows are kept in a {@link WindowCache} and written behind, each changed row once
 * per flush (every quarter second): a crash loses at most that much counting.
 *
 * <p><b>The first-pass journal.</b> A spam wave is mostly triplets never seen again. Written into
 * the triplet table, each would land on a random page of its B-tree, and a commit rewrites every
 * page it dirtied: one page per row once the table is large. So a greylisting decision ({@link
 * #greylist}) that leaves a triplet not yet passed writes it to the journal instead: a table keyed
 * by arrival (a sequence number), appended at its end, forty-odd rows to a page. An in-memory
 * {@link JournalIndex} (key hash to sequence, each hit checked against the key in the row) finds it
 * again; it is rebuilt from the journal at open. When the triplet passes, its row moves into the
 * triplet table and its journal row is deleted, in one commit: only retried triplets pay the random
 * insert. The journal expires from its head (the sweep): a row that never passed is dead the retry
 * window after it was last seen. When the index is full, rows go to the triplet table as before
 * ({@link #journalFallbacks}). Other writes ({@link #step}: loads, copies, tools) go to the triplet
 * table; every reader sees both tables.
 *
 * <p>Parts: {@link LmdbEnvironment} (files, lock, map growth), {@link LmdbCodec} (bytes), {@link
 * LmdbWriter} (group commit), {@link LmdbSweep}, {@link LmdbVerify}, {@link LmdbFaults} (errors).
 */
public final class LmdbStore implements TripletStore {
  private static final Logger log = LoggerFactory.getLogger(LmdbStore.class);

  /** The default pause between the starts of two commits. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);

  /** Writes that may wait for the disk before new ones are refused or dropped. */
  public static final int DEFAULT_WRITE_BACKLOG = 200_000;

  /**
   * A JVM system property that sets the daemon's write backlog, for tests that must overload the
   * writer with a few hundred requests rather than hundreds of thousands. Not an option: the
   * default is sized for real disks.
   */
  public static final String WRITE_BACKLOG_PROPERTY = "greygate.lmdb.write-backlog";

  private static final int STRIPES = 256;

  /**
   * A JVM system property that sets how many triplets the first-pass journal's index may hold
   * (default {@link JournalIndex#defaultCap}: at most an eighth of the heap; 0 turns the journal
   * off, so that every row goes to the triplet table as before).
   */
  public static final String JOURNAL_CAP_PROPERTY = "greygate.lmdb.journal-cap";

  private final LmdbEnvironment env;
  private final LmdbWriter writer; // null when read-only: writes stay in the overlay
  private final Map<Table, Map<String, byte[]>> overlay = new EnumMap<>(Table.class);
  private final Object[] stripes = new Object[STRIPES];
  private final WindowCache windows;
  private final ScheduledExecutorService windowFlusher; // null when read-only
  private final Pacer pacer;
  private final JournalIndex journal;
  private final AtomicLong nextSeq = new AtomicLong();
  private final LongAdder journalFallbacks = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final AtomicLong nextDropLog = new AtomicLong(Long.MIN_VALUE);
  private long droppedLogged; // under nextDropLog's compare-and-set
  private volatile boolean closed;

  /** At most one line per this many seconds says that writes are being dropped. */
  static final long DROP_LOG_SECONDS = 10;

  /** What {@link #verify} found. */
  public record Verification(long triplets, long clients, long counters, List<String> problems) {
    public boolean clean() {
      return problems.isEmpty();
    }
  }

  private LmdbStore(
      LmdbEnvironment env,
      int maxPending,
      Duration commitInterval,
      Pacer pacer,
      JournalIndex journal) {
    this.env = env;
    this.pacer = pacer;
    this.journal = journal;
    for (Table t : Table.values()) overlay.put(t, new ConcurrentHashMap<>());
    for (int i = 0; i < STRIPES; i++) stripes[i] = new Object();
    long[] tail;
    try {
      tail = indexJournal();
    } catch (RuntimeException e) {
      env.close();
      throw e;
    }
    nextSeq.set(tail[0] + 1);
    this.writer =
        env.readOnly
            ? null
            : new LmdbWriter(
                env,
                maxPending,
                commitInterval,
                pacer,
                tail[1] == 0 ? tail[0] : Long.MAX_VALUE, // a foreign key: never MDB_APPEND
                (table, key, value) -> overlay.get(table).remove(key, value),
                (seq, key) -> journal.remove(journal.hash(key), seq));
    this.windows =
        new WindowCache(
            new WindowCache.Backing() {
              @Override
              public byte[] read(String key) {
                return readOne(Table.WINDOWS, key);
              }

              @Override
              public void write(String key, byte[] value) {
                admit(1);
                writer.put(new LmdbWriter.Put(Table.WINDOWS, key, value));
              }

              @Override
              public long commits() {
                return writer.commits();
              }
            },
            this::stripe);
    if (writer == null) {
      windowFlusher = null;
    } else {
      windowFlusher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lmdb-windows");
                t.setDaemon(true);
                return t;
              });
      windowFlusher.scheduleWithFixedDelay(
          this::flushWindows,
          WindowCache.FLUSH_MILLIS,
          WindowCache.FLUSH_MILLIS,
          TimeUnit.MILLISECONDS);
      windowFlusher.scheduleWithFixedDelay(
          windows::evict,
          WindowCache.EVICT_MILLIS,
          WindowCache.EVICT_MILLIS,
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Fills the index from the journal (one pass in arrival order); returns the highest sequence (-1
   * for none) and how many keys are not sequences (a row not written by greylist, which would make
   * an append fail: the writer then puts without MDB_APPEND). Rows the index has no room for stay
   * in the journal unindexed (the index's cap was lowered since they were written): their triplets
   * are greylisted again when they return.
   */
  private long[] indexJournal() {
    Dbi<ByteBuffer> dbi = env.dbi(Table.JOURNAL);
    long[] tailAndLost = {-1, 0, 0};
    if (dbi == null) return tailAndLost;
    env.read(
        txn -> {
          try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
              byte[] k = LmdbEnvironment.bytes(c.key());
              if (k.length != 8 || k[0] < 0) { // sorts after every sequence we write
                tailAndLost[2]++;
                continue;
              }
              long seq = LmdbCodec.longAt(k, 0);
              tailAndLost[0] = Math.max(tailAndLost[0], seq);
              byte[] v = LmdbEnvironment.bytes(c.val());
              if (LmdbCodec.journalKeyAt(v) < 0) continue;
              if (!journal.put(journal.hash(LmdbCodec.journalKey(v)), seq)) tailAndLost[1]++;
            }
          }
          return null;
        });
    if (tailAndLost[1] > 0) {
      log.warn(
          "{} first-pass rows in {} found no room in the journal index (cap {}): those triplets"
              + " are greylisted again when they return",
          tailAndLost[1],
          env.dir,
          journal.cap());
    }
    return new long[] {tailAndLost[0], tailAndLost[2]};
  }

  /** Queues the windows changed since the last flush; a full backlog leaves them for the next. */
  private void flushWindows() {
    try {
      windows.flush();
    } catch (StoreException.Unavailable e) {
      // the writer's backlog is full: its failure is reported by problem(); retried next time
    } catch (RuntimeException e) {
      log.warn("writing rate-limit windows", e);
    }
  }

  /**
   * Opens (creating if needed) the store in {@code dir}.
   *
   * @throws StoreException if the directory is unusable or another process has it open
   */
  public static LmdbStore open(Path dir) {
    return open(dir, DEFAULT_COMMIT_INTERVAL);
  }

  /**
   * Opens the store with a given pause between commit starts: zero commits as soon as the previous
   * commit is done.
   */
  public static LmdbStore open(Path dir, Duration commitInterval) {
    return open(dir, commitInterval, Pacer.SYSTEM);
  }

  /** With the writer's time driven by {@code pacer} (tests of the pacing). */
  static LmdbStore open(Path dir, Duration commitInterval, Pacer pacer) {
    return new LmdbStore(
        LmdbEnvironment.openWritable(dir, 64L << 20),
        Math.max(1, Integer.getInteger(WRITE_BACKLOG_PROPERTY, DEFAULT_WRITE_BACKLOG)),
        commitInterval,
        pacer,
        defaultJournal());
  }

  /** For tests: a given starting map size (bytes) and write backlog bound. */
  public static LmdbStore open(Path dir, long initialMapSize, int maxPending) {
    return new LmdbStore(
        LmdbEnvironment.openWritable(dir, initialMapSize),
        maxPending,
        DEFAULT_COMMIT_INTERVAL,
        Pacer.SYSTEM,
        defaultJournal());
  }

  /** For tests: a journal index of {@code cap} entries with the given hash. */
  static LmdbStore open(Path dir, int journalCap, JournalIndex.Hash hash) {
    return new LmdbStore(
        LmdbEnvironment.openWritable(dir, 64L << 20),
        DEFAULT_WRITE_BACKLOG,
        DEFAULT_COMMIT_INTERVAL,
        Pacer.SYSTEM,
        new JournalIndex(journalCap, hash));
  }

  private static JournalIndex defaultJournal() {
    int cap =
        Integer.getInteger(
            JOURNAL_CAP_PROPERTY, JournalIndex.defaultCap(Runtime.getRuntime().maxMemory()));
    return JournalIndex.withSecretHash(Math.max(0, cap));
  }

  /**
   * Opens an existing store for inspection while a daemon may be running on it: reads see the
   * database, writes are kept in memory only and never reach the disk (a dry run).
   */
  public static LmdbStore openDryRun(Path dir) {
    return new LmdbStore(
        LmdbEnvironment.openReadOnly(dir),
        Integer.MAX_VALUE,
        Duration.ZERO,
        Pacer.SYSTEM,
        defaultJournal());
  }

  /** Fills the new database of {@link #rebuild}; {@code current} is the one it will replace. */
  @FunctionalInterface
  public interface Filling<T> {
    T fill(LmdbStore current, LmdbStore fresh) throws java.io.IOException;
  }

  /**
   * Replaces the database in {@code dir} all at once, or not at all. Holds {@code dir}'s lock
   * throughout (a running daemon makes it fail before anything is done), fills a new database in a
   * directory beside the files (empty, or a copy of the current one when {@code fromCopy}), and
   * moves its {@code data.mdb} over the current one in one rename only when {@code filling}
   * returns. When it throws, the current database is left exactly as it was, and a directory or
   * files this call created are taken away again: a failed load into a new directory leaves no
   * empty database behind.
   *
   * @throws StoreException if {@code dir} is unusable or in use by another process
   */
  public static <T> T rebuild(Path dir, boolean fromCopy, Filling<T> filling)
      throws java.io.IOException {
    boolean dirExisted = java.nio.file.Files.isDirectory(dir);
    java.util.Set<String> existed = new java.util.HashSet<>();
    if (dirExisted) {
      try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
        s.forEach(p -> existed.add(p.getFileName().toString()));
      }
    }
    boolean installed = false;
    Path staging = null;
    LmdbStore current;
    try {
      current = open(dir);
    } catch (RuntimeException e) {
      if (!dirExisted) deleteTree(dir); // created by this call, never used
      throw e;
    }
    try {
      staging = java.nio.file.Files.createTempDirectory(dir, ".rebuild-");
      if (fromCopy) {
        current.flush();
        current.env.copyTo(staging);
      }
      T result;
      try (LmdbStore fresh = open(staging)) {
        result = filling.fill(current, fresh);
        fresh.flush();
      }
      java.nio.file.Files.move(
          staging.resolve("data.mdb"),
          dir.resolve("data.mdb"),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      installed = true;
      syncDirectory(dir);
      return result;
    } finally {
      // the replaced file stays mapped until here; nothing is written to it any more
      current.close();
      if (staging != null) deleteTree(staging);
      if (!installed) {
        for (String f : new String[] {"data.mdb", "lock.mdb", "greygate.lock"}) {
          if (!existed.contains(f)) java.nio.file.Files.deleteIfExists(dir.resolve(f));
        }
        if (!dirExisted) java.nio.file.Files.deleteIfExists(dir);
      }
    }
  }

  /** Makes a rename in {@code dir} durable (Linux: fsync of the directory). */
  private static void syncDirectory(Path dir) {
    try (java.nio.channels.FileChannel c =
        java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      c.force(true);
    } catch (java.io.IOException | RuntimeException e) {
      // not every file system syncs a directory; the rename itself has happened
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    if (!java.nio.file.Files.exists(root)) return;
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.deleteIfExists(p);
      }
    }
  }

  // ---------------------------------------------------------------- decisions

  @Override
  public <R> CompletionStage<R> step(String tripletKey, String clientKey, RowChange<R> change) {
    return step(tripletKey, clientKey, change, -1);
  }

  /**
   * {@link #step} where a triplet row that has not passed {@code journalDelay} (its sightings are
   * less than that many seconds apart) is a first pass and goes to the journal; negative: no row
   * does.
   */
  private <R> CompletionStage<R> step(
      String tripletKey, String clientKey, RowChange<R> change, long journalDelay) {
    try {
      ensureOpen();
      if (tripletKey == null && clientKey == null) {
        return CompletableFuture.completedFuture(change.apply(null, null).result());
      }
      Object a = stripe(tripletKey);
      Object b = stripe(clientKey);
      if (a == null || b != null && index(clientKey) < index(tripletKey)) {
        Object t = a;
        a = b;
        b = t;
      }
      // both stripes, lower index first, so two steps can never wait for each other
      synchronized (a) {
        if (b != null && b != a) {
          synchronized (b) {
            return CompletableFuture.completedFuture(
                apply(tripletKey, clientKey, change, journalDelay));
          }
        }
        return CompletableFuture.completedFuture(
            apply(tripletKey, clientKey, change, journalDelay));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The rules in Java, as any other step. */
  @Override
  public CompletionStage<TripletRule.Result> greylist(
      String tripletKey, String clientKey, TripletRule rule, long now) {
    return step(tripletKey, clientKey, rule.at(now), journal.cap() > 0 ? rule.delay() : -1);
  }

  private <R> R apply(String tripletKey, String clientKey, RowChange<R> change, long journalDelay) {
    byte[] tk = tripletKey == null ? null : LmdbCodec.key(tripletKey);
    Rows rows = readBoth(tripletKey, tk, clientKey);
    RowChange.Change<R> out = change.apply(rows.triplet(), LmdbCodec.client(rows.client()));
    int writes =
        (tripletKey != null && out.triplet() != null ? 1 : 0)
            + (clientKey != null && out.client() != null ? 1 : 0);
    if (writes > 0) {
      if (writer != null && !writer.tryAdmit(writes)) {
        // Overload, not a fault: the answer stands on what was read; the rows are not kept (a
        // new triplet's retry is greylisted once more). Failing open would let the wave through.
        dropped(writes);
        return out.result();
      }
      if (tripletKey != null && out.triplet() != null) {
        writeTriplet(tripletKey, tk, out.triplet(), rows, journalDelay);
      }
      if (clientKey != null && out.client() != null) {
        write(Table.CLIENTS, clientKey, LmdbCodec.client(out.client()));
      }
    }
    return out.result();
  }

  @Override
  public CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit) {
    try {
      ensureOpen();
      synchronized (stripe(key)) {
        return CompletableFuture.completedFuture(
            windows.add(key, now, windowSeconds, amount, limit).count());
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void countDecisions(long epochSecond, String action, String reason, long n) {
    if (writer != null && !closed) {
      writer.countDecisions(epochSecond - Math.floorMod(epochSecond, 3600), action, reason, n);
    }
  }

  @Override
  public void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action) {
    ensureOpen();
    Dbi<ByteBuffer> dbi = env.dbi(Table.DECISIONS);
    if (dbi == null) return;
    List<DecisionCount> rows =
        env.read(
            txn -> {
              List<DecisionCount> out = new java.util.ArrayList<>();
              KeyRange<ByteBuffer> range =
                  KeyRange.closedOpen(
                      LmdbEnvironment.direct(LmdbCodec.hourKey(fromHour)),
                      LmdbEnvironment.direct(LmdbCodec.hourKey(toHour)));
              try (CursorIterable<ByteBuffer> it = dbi.iterate(txn, range)) {
                for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
                  DecisionCount c =
                      LmdbCodec.decision(
                          LmdbEnvironment.bytes(kv.key()), LmdbEnvironment.bytes(kv.val()));
                  if (c != null) out.add(c);
                }
              }
              return out;
            });
    rows.forEach(action);
  }

  /** Counts writes dropped under overload; says so in the log at most every few seconds. */
  private void dropped(int writes) {
    dropped.add(writes);
    long now = pacer.nanoTime();
    long next = nextDropLog.get();
    if (next != Long.MIN_VALUE && now - next < 0) return;
    if (!nextDropLog.compareAndSet(next, now + DROP_LOG_SECONDS * 1_000_000_000L)) return;
    long total = dropped.sum();
    long since = total - droppedLogged;
    droppedLogged = total;
    log.warn(
        "LMDB write backlog full ({} pending writes, commits working but slower than the writes"
            + " arriving): {} writes dropped since the last such line, {} in all; answers are"
            + " decided as usual, but those rows are not kept (a new triplet's retry is"
            + " greylisted once more)",
        writer.maxPending(),
        since,
        total);
  }

  @Override
  public long droppedWrites() {
    return dropped.sum();
  }

  private void admit(int writes) {
    if (writer != null) writer.admit(writes);
  }

  private void write(Table table, String key, byte[] value) {
    overlay.get(table).put(key, value);
    if (writer != null) writer.put(new LmdbWriter.Put(table, key, value));
  }

  /**
   * Writes a triplet row (under its stripe's lock): a first pass (not passed {@code journalDelay}
   * and not already in the triplet table) is appended to the journal, replacing its earlier journal
   * row if any; any other row goes to the triplet table, taking the triplet out of the journal.
   */
  private void writeTriplet(
      String key, byte[] keyBytes, TripletEntry e, Rows rows, long journalDelay) {
    boolean firstPass =
        journalDelay >= 0 && e.lastSeen() - e.firstSeen() < journalDelay && !rows.inTable();
    long h = 0; // the key's index hash, once: the lookup's when it computed one
    if (firstPass || rows.seq() >= 0) h = rows.hashed() ? rows.hash() : journal.hash(keyBytes);
    if (rows.seq() >= 0) journal.remove(h, rows.seq());
    if (firstPass) {
      long seq = nextSeq.getAndIncrement();
      if (journal.put(h, seq)) {
        byte[] v =
            ByteBuffer.allocate(OVERLAID_JOURNAL_ROW)
                .putLong(e.firstSeen())
                .putLong(e.lastSeen())
                .putLong(e.attempts())
                .putLong(seq)
                .array();
        overlay.get(Table.TRIPLETS).put(key, v);
        if (writer != null) writer.put(new LmdbWriter.Append(seq, key, v, rows.seq()));
        return;
      }
      if (journalFallbacks.sum() == 0) {
        log.warn(
            "first-pass journal index full ({} entries): new triplets are written into the"
                + " triplet table until rows expire (slower under a spam wave; answers unchanged)",
            journal.cap());
      }
      journalFallbacks.increment();
    }
    byte[] v = LmdbCodec.triplet(e);
    overlay.get(Table.TRIPLETS).put(key, v);
    if (writer != null) writer.put(new LmdbWriter.Put(Table.TRIPLETS, key, v, rows.seq()));
  }

  /**
   * The rows a step starts from: the triplet (or null), the client row's bytes (or null), and the
   * triplet's journal sequence (-1 when it is not in the journal); {@code hashed} when the lookup
   * computed the key's index {@code hash}, which the write then uses again.
   */
  private record Rows(
      TripletEntry triplet, byte[] client, long seq, boolean inTable, boolean hashed, long hash) {
    Rows(TripletEntry triplet, byte[] client, long seq, boolean inTable) {
      this(triplet, client, seq, inTable, false, 0);
    }
  }

  /** The triplet and client rows, overlay first, in one read transaction when LMDB is needed. */
  private Rows readBoth(String tripletKey, byte[] tk, String clientKey) {
    byte[] t = tripletKey == null ? null : overlay.get(Table.TRIPLETS).get(tripletKey);
    byte[] c = clientKey == null ? null : overlay.get(Table.CLIENTS).get(clientKey);
    boolean needT = tripletKey != null && t == null;
    boolean needC = clientKey != null && c == null;
    if (!needT && !needC) {
      return overlaid(t, c);
    }
    Dbi<ByteBuffer> triplets = env.dbi(Table.TRIPLETS);
    Dbi<ByteBuffer> clients = env.dbi(Table.CLIENTS);
    return env.read(
        txn -> {
          byte[] client = needC ? LmdbEnvironment.get(txn, clients, LmdbCodec.key(clientKey)) : c;
          if (!needT) return overlaid(t, client);
          byte[] row = LmdbEnvironment.get(txn, triplets, tk);
          if (row != null) return new Rows(LmdbCodec.triplet(row), client, -1, true);
          return fromJournal(txn, tk, client);
        });
  }

  /**
   * How many bytes a journal row waiting for its commit has in the overlay (first seen, last seen,
   * attempts, sequence); a triplet-table row has 24.
   */
  static final int OVERLAID_JOURNAL_ROW = 32;

  /** Rows with the triplet from the overlay. */
  private static Rows overlaid(byte[] t, byte[] client) {
    if (t != null && t.length == OVERLAID_JOURNAL_ROW) {
      return new Rows(
          new TripletEntry(LmdbCodec.longAt(t, 0), LmdbCodec.longAt(t, 8), LmdbCodec.longAt(t, 16)),
          client,
          LmdbCodec.longAt(t, 24),
          false);
    }
    return new Rows(LmdbCodec.triplet(t), client, -1, t != null);
  }

  /** The triplet's journal row, found through the index and checked against its key. */
  private Rows fromJournal(org.lmdbjava.Txn<ByteBuffer> txn, byte[] tk, byte[] client) {
    Dbi<ByteBuffer> dbi = env.dbi(Table.JOURNAL);
    if (dbi == null || journal.size() == 0) return new Rows(null, client, -1, false);
    long h = journal.hash(tk);
    byte[][] matched = new byte[1][];
    long seq =
        journal.find(
            h,
            s -> {
              byte[] v = LmdbEnvironment.get(txn, dbi, LmdbCodec.seqKey(s));
              if (!LmdbCodec.journalOf(v, tk)) return false;
              matched[0] = v;
              return true;
            });
    if (seq < 0) return new Rows(null, client, -1, false, true, h);
    return new Rows(LmdbCodec.journalTriplet(matched[0]), client, seq, false, true, h);
  }

  private byte[] readOne(Table table, String key) {
    Dbi<ByteBuffer> dbi = env.dbi(table);
    return dbi == null ? null : env.read(txn -> LmdbEnvironment.get(txn, dbi, LmdbCodec.key(key)));
  }

  private Object stripe(String key) {
    return key == null ? null : stripes[index(key)];
  }

  private static int index(String key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  // ---------------------------------------------------------------- housekeeping

  @Override
  public SweepProgress sweep(Expiry rule, long now, SweepProgress from, int limit) {
    if (writer == null) {
      throw new StoreException.Unavailable("store " + env.dir + " is open for inspection only");
    }
    ensureOpen();
    return writer.sweep(rule, now, from, limit);
  }

  @Override
  public void flush() {
    if (writer == null) return;
    ensureOpen();
    windows.flush();
    writer.flush();
  }

  @Override
  public String problem() {
    if (closed) return "store " + env.dir + " is closed";
    return writer == null ? null : writer.failure();
  }

  @Override
  public long pendingWrites() {
    return writer == null ? 0 : writer.pending();
  }

  /** Transactions committed since the store was opened. */
  public long commits() {
    return writer == null ? 0 : writer.commits();
  }

  // ---------------------------------------------------------------- inspection

  @Override
  public long tripletCount() {
    ensureOpen();
    return env.entries(Table.TRIPLETS) + env.entries(Table.JOURNAL);
  }

  /** Rows in the first-pass journal (triplets seen once and not passed since). */
  public long journalRows() {
    ensureOpen();
    return env.entries(Table.JOURNAL);
  }

  /** First passes written to the triplet table because the journal's index was full. */
  @Override
  public long journalFull() {
    return journalFallbacks.sum();
  }

  @Override
  public long clientCount() {
    ensureOpen();
    return env.entries(Table.CLIENTS);
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    ensureOpen();
    Dbi<ByteBuffer> table = env.dbi(Table.TRIPLETS);
    Dbi<ByteBuffer> journalTable = env.dbi(Table.JOURNAL);
    // both tables in one read transaction: a triplet moving from the journal to the triplet
    // table meanwhile is seen once, on one side or the other, never on neither
    env.read(
        txn -> {
          if (table != null) {
            try (Cursor<ByteBuffer> cursor = table.openCursor(txn)) {
              for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
                TripletEntry e = LmdbCodec.triplet(LmdbEnvironment.bytes(cursor.val()));
                if (e != null) {
                  action.accept(
                      StandardCharsets.UTF_8.decode(cursor.key().duplicate()).toString(), e);
                }
              }
            }
          }
          if (journalTable != null) {
            try (Cursor<ByteBuffer> cursor = journalTable.openCursor(txn)) {
              for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
                byte[] v = LmdbEnvironment.bytes(cursor.val());
                TripletEntry e = LmdbCodec.journalTriplet(v);
                if (e != null) {
                  int at = LmdbCodec.journalKeyAt(v);
                  action.accept(new String(v, at, v.length - at, StandardCharsets.UTF_8), e);
                }
              }
            }
          }
          return null;
        });
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    forEach(
        Table.CLIENTS,
        (k, v) -> {
          ClientEntry e = LmdbCodec.client(v);
          if (e != null) action.accept(k, e);
        });
  }

  @Override
  public void forEachWindow(String prefix, long now, WindowVisitor action) {
    // the rows in memory are newer than the stored ones: they answer for their keys
    java.util.Set<String> cached = new java.util.HashSet<>();
    for (String k : windows.cachedKeys()) {
      if (k.startsWith(prefix)) cached.add(k);
    }
    forEach(
        Table.WINDOWS,
        (k, v) -> {
          if (!k.startsWith(prefix) || cached.contains(k)) return;
          long[] ws = WindowCounter.windowAndSum(WindowCounter.decode(v), now);
          if (ws != null && ws[1] > 0) action.accept(k, ws[0], ws[1]);
        });
    for (String k : new java.util.TreeSet<>(cached)) {
      long[] ws = WindowCounter.windowAndSum(windows.current(k), now);
      if (ws != null && ws[1] > 0) action.accept(k, ws[0], ws[1]);
    }
  }

  private void forEach(Table table, BiConsumer<String, byte[]> action) {
    ensureOpen();
    Dbi<ByteBuffer> dbi = env.dbi(table);
    if (dbi == null) return;
    env.read(
        txn -> {
          try (Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
            for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
              action.accept(
                  StandardCharsets.UTF_8.decode(cursor.key().duplicate()).toString(),
                  LmdbEnvironment.bytes(cursor.val()));
            }
          }
          return null;
        });
  }

  /** Reads and checks every row; see {@link LmdbVerify}. */
  public Verification verify(long now) {
    ensureOpen();
    return LmdbVerify.run(env, now);
  }

  /** Current map size in bytes (grows on demand). */
  public long mapSize() {
    return env.mapSize();
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    if (windowFlusher != null) {
      windowFlusher.shutdownNow();
      try {
        windowFlusher.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flushWindows(); // what the last quarter second counted
    }
    if (writer != null) writer.close();
    env.close();
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException.Unavailable("store " + env.dir + " is closed");
    }
  }
}
