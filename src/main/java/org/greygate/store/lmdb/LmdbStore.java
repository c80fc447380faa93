package org.greygate.store.lmdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.StoreException;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.KeyRange;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LMDB-backed {@link TripletStore} in one directory ({@code data.mdb}, {@code lock.mdb} and {@code
 * greygate.lock}).
 *
 * <p><b>Writes</b> go to an in-memory overlay at once (so reads see them) and to a queue that one
 * writer thread drains: everything queued while the previous commit was syncing goes into the next
 * transaction, so a burst of N writes costs one fsync, not N. Commits start at most once per {@code
 * commitInterval} (writes arriving meanwhile join the next one; a flush or sweep slice ends the
 * wait at once): under load that turns hundreds of small commits a second, each with its own syncs
 * and page writes, into a few large ones. A write is durable once its batch commits; the durability
 * window is the commit interval plus one commit (see docs/reliability.md). {@code put*} never
 * blocks: when the backlog passes {@code maxPending} (the disk is failing), it throws {@link
 * StoreException} and the caller fails open.
 *
 * <p><b>Commit failures</b> (disk full, read-only, I/O error) keep the batch and retry with
 * back-off; reads keep working. A full map grows the map (doubling) and retries.
 *
 * <p><b>Reads</b> are short read transactions on the calling thread (microseconds).
 *
 * <p>One process at a time: an exclusive lock on {@code greygate.lock} is held while open.
 */
public final class LmdbStore implements TripletStore {
  private static final Logger log = LoggerFactory.getLogger(LmdbStore.class);
  private static final int MAX_KEY = 511;
  private static final int MAX_BATCH = 10_000;
  private static final long MAX_MAP = 1L << 40;

  /** The default pause between the starts of two commits. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Env<byte[]> env;
  private final Dbi<byte[]> triplets;
  private final Dbi<byte[]> clients;

  /** Readers hold it shared; growing the map holds it exclusively (no transaction may be open). */
  private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();

  private final Map<String, TripletEntry> pendingTriplets = new ConcurrentHashMap<>();
  private final Map<String, ClientEntry> pendingClients = new ConcurrentHashMap<>();
  private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final AtomicInteger backlog = new AtomicInteger();
  private final int maxPending;
  private final long commitIntervalNanos;
  private volatile long commits;
  private final Thread writer;
  private final boolean dryRun;
  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition closing = stateLock.newCondition();
  private volatile boolean closed;
  private volatile long mapSize;
  private volatile String lastFailure;

  private sealed interface Op permits Put, Sweep, Barrier {}

  private record Put(boolean triplet, String key, Object value) implements Op {}

  private record Sweep(
      ExpiryRule rule,
      long now,
      SweepProgress from,
      int limit,
      CompletableFuture<SweepProgress> done)
      implements Op {}

  private record Barrier(CompletableFuture<Void> done) implements Op {}

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
    return new LmdbStore(dir, 64L << 20, 200_000, commitInterval, false);
  }

  /** For tests: a given starting map size (bytes) and write backlog bound. */
  public static LmdbStore open(Path dir, long initialMapSize, int maxPending) {
    return new LmdbStore(dir, initialMapSize, maxPending, DEFAULT_COMMIT_INTERVAL, false);
  }

  /**
   * Opens an existing store for inspection while a daemon may be running on it: reads see the
   * database, writes are kept in memory only and never reach the disk (a dry run).
   */
  public static LmdbStore openDryRun(Path dir) {
    if (!Files.isRegularFile(dir.resolve("data.mdb"))) {
      throw new StoreException("no greygate database in " + dir + " (no data.mdb)");
    }
    return new LmdbStore(dir, 1L << 20, Integer.MAX_VALUE, Duration.ZERO, true);
  }

  private LmdbStore(
      Path dir, long initialMapSize, int maxPending, Duration commitInterval, boolean dryRun) {
    if (commitInterval.isNegative()) {
      throw new IllegalArgumentException("commit interval must be >= 0");
    }
    this.dir = dir;
    this.maxPending = maxPending;
    this.commitIntervalNanos = commitInterval.toNanos();
    this.dryRun = dryRun;
    if (!dryRun) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new StoreException("cannot create database directory " + dir + ": " + e, e);
      }
    }
    if (dryRun) {
      this.lockChannel = null;
      this.lock = null;
      long size = dir.resolve("data.mdb").toFile().length();
      this.mapSize = Math.max(initialMapSize, size);
      try {
        this.env =
            Env.create(ByteArrayProxy.PROXY_BA)
                .setMapSize(mapSize)
                .setMaxDbs(4)
                .open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_RDONLY_ENV);
        this.triplets = env.openDbi("triplets");
        this.clients = env.openDbi("clients");
      } catch (LmdbException | IllegalStateException e) {
        throw new StoreException("cannot open LMDB database in " + dir + ": " + e.getMessage(), e);
      }
      this.writer = null;
      return;
    }
    Path lockFile = dir.resolve("greygate.lock");
    FileChannel channel = null;
    FileLock acquired;
    try {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      acquired = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StoreException("cannot open lock file " + lockFile + ": " + e, e);
    }
    if (acquired == null) {
      closeQuietly(channel);
      throw new StoreException(
          "database "
              + dir
              + " is in use by another greygate process (lock held on "
              + lockFile
              + ")");
    }
    this.lockChannel = channel;
    this.lock = acquired;
    long existing = dir.resolve("data.mdb").toFile().length();
    this.mapSize = Math.max(initialMapSize, roundUp(existing + (existing >> 1)));
    try {
      this.env =
          Env.create(ByteArrayProxy.PROXY_BA)
              .setMapSize(mapSize)
              .setMaxDbs(4)
              .setMaxReaders(1024)
              .open(dir.toFile(), EnvFlags.MDB_NOTLS);
      this.triplets = env.openDbi("triplets", DbiFlags.MDB_CREATE);
      this.clients = env.openDbi("clients", DbiFlags.MDB_CREATE);
    } catch (LmdbException | IllegalStateException e) {
      releaseLock();
      throw new StoreException("cannot open LMDB database in " + dir + ": " + e.getMessage(), e);
    }
    writer = new Thread(this::writeLoop, "lmdb-writer");
    writer.setDaemon(true);
    writer.start();
  }

  private static long roundUp(long bytes) {
    long size = 1L << 20;
    while (size < bytes) {
      size <<= 1;
    }
    return size;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public TripletEntry getTriplet(String key) {
    TripletEntry pending = pendingTriplets.get(key);
    if (pending != null) {
      return pending;
    }
    byte[] v = read(triplets, key);
    return v == null ? null : new TripletEntry(longAt(v, 0), longAt(v, 8));
  }

  @Override
  public ClientEntry getClient(String key) {
    ClientEntry pending = pendingClients.get(key);
    if (pending != null) {
      return pending;
    }
    byte[] v = read(clients, key);
    return v == null ? null : new ClientEntry(longAt(v, 0), longAt(v, 8));
  }

  private byte[] read(Dbi<byte[]> dbi, String key) {
    ensureOpen();
    resizeLock.readLock().lock();
    try (Txn<byte[]> txn = env.txnRead()) {
      byte[] v = dbi.get(txn, keyBytes(key));
      return v == null || v.length < 16 ? null : v;
    } catch (LmdbException e) {
      throw new StoreException("LMDB read failed in " + dir + ": " + e.getMessage(), e);
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public void putTriplet(String key, TripletEntry entry) {
    admit();
    pendingTriplets.put(key, entry);
    if (!dryRun) queue.add(new Put(true, key, entry));
  }

  @Override
  public void putClient(String key, ClientEntry entry) {
    admit();
    pendingClients.put(key, entry);
    if (!dryRun) queue.add(new Put(false, key, entry));
  }

  private void admit() {
    ensureOpen();
    if (backlog.incrementAndGet() > maxPending) {
      backlog.decrementAndGet();
      throw new StoreException(
          "write backlog full ("
              + maxPending
              + " pending writes): "
              + (lastFailure == null ? "store is slow" : lastFailure));
    }
  }

  @Override
  public SweepProgress sweep(ExpiryRule rule, long now, SweepProgress from, int limit) {
    if (dryRun) throw new StoreException("store " + dir + " is open for inspection only");
    CompletableFuture<SweepProgress> done = new CompletableFuture<>();
    ensureOpen();
    queue.add(new Sweep(rule, now, from, limit, done));
    return await(done, "sweep");
  }

  @Override
  public void flush() {
    if (dryRun) return;
    CompletableFuture<Void> done = new CompletableFuture<>();
    ensureOpen();
    queue.add(new Barrier(done));
    await(done, "flush");
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(what + " interrupted");
    } catch (ExecutionException e) {
      throw new StoreException(what + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new StoreException(
          what + " timed out: " + (lastFailure == null ? "store is slow" : lastFailure));
    }
  }

  private void writeLoop() {
    List<Op> batch = new ArrayList<>();
    long backoffMillis = 0;
    long lastStart = System.nanoTime() - commitIntervalNanos;
    while (true) {
      try {
        if (batch.isEmpty()) {
          if (closed && queue.isEmpty()) {
            return;
          }
          Op first = queue.poll(200, TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
          collect(batch, first, lastStart + commitIntervalNanos);
        }
        lastStart = System.nanoTime();
        commit(batch);
        commits++;
        batch.clear();
        backoffMillis = 0;
        if (lastFailure != null) {
          log.info("LMDB writes in {} work again", dir);
          lastFailure = null;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        if (!message.equals(lastFailure)) {
          log.error("LMDB commit failed in {}; {} writes kept for retry", dir, batch.size(), e);
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
   * then whatever is queued. A flush, a sweep slice or closing ends the wait: someone waits for
   * those.
   */
  private void collect(List<Op> batch, Op first, long due) throws InterruptedException {
    Op op = first;
    while (op instanceof Put && !closed && batch.size() < MAX_BATCH) {
      long wait = due - System.nanoTime();
      if (wait <= 0) {
        break;
      }
      op = queue.poll(wait, TimeUnit.NANOSECONDS);
      if (op == null) {
        break;
      }
      batch.add(op);
    }
    queue.drainTo(batch, MAX_BATCH - batch.size());
  }

  /** Transactions committed since the store was opened. */
  public long commits() {
    return commits;
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

  private void commit(List<Op> batch) {
    while (true) {
      try {
        List<SweepProgress> sweepResults = new ArrayList<>();
        // Several writes of one key in a batch: only the last reaches LMDB.
        Map<String, Put> lastTriplet = new java.util.HashMap<>();
        Map<String, Put> lastClient = new java.util.HashMap<>();
        for (Op op : batch) {
          if (op instanceof Put p) (p.triplet() ? lastTriplet : lastClient).put(p.key(), p);
        }
        try (Txn<byte[]> txn = env.txnWrite()) {
          for (Op op : batch) {
            if (op instanceof Put p) {
              if ((p.triplet() ? lastTriplet : lastClient).get(p.key()) != p) {
                continue;
              }
              byte[] value =
                  p.triplet()
                      ? encode(
                          ((TripletEntry) p.value()).firstSeen(),
                          ((TripletEntry) p.value()).lastSeen())
                      : encode(
                          ((ClientEntry) p.value()).count(), ((ClientEntry) p.value()).lastSeen());
              (p.triplet() ? triplets : clients).put(txn, keyBytes(p.key()), value);
            } else if (op instanceof Sweep s) {
              sweepResults.add(sweepSlice(txn, s));
            }
          }
          txn.commit();
        }
        int i = 0;
        for (Op op : batch) {
          if (op instanceof Put p) {
            // Drop the overlay row unless a newer write replaced it meanwhile.
            if (p.triplet()) pendingTriplets.remove(p.key(), p.value());
            else pendingClients.remove(p.key(), p.value());
            backlog.decrementAndGet();
          } else if (op instanceof Sweep s) {
            s.done().complete(sweepResults.get(i++));
          } else if (op instanceof Barrier b) {
            b.done().complete(null);
          }
        }
        return;
      } catch (Env.MapFullException e) {
        grow();
      }
    }
  }

  private void grow() {
    long next = mapSize * 2;
    if (next > MAX_MAP) {
      throw new StoreException("LMDB map would exceed " + MAX_MAP + " bytes");
    }
    resizeLock.writeLock().lock();
    try {
      env.setMapSize(next);
      mapSize = next;
      log.info("LMDB map in {} grown to {} MiB", dir, next >> 20);
    } finally {
      resizeLock.writeLock().unlock();
    }
  }

  private SweepProgress sweepSlice(Txn<byte[]> txn, Sweep s) {
    SweepProgress p = s.from();
    if (p.finished()) {
      return p;
    }
    boolean tripletTable = p.table() == 0;
    Dbi<byte[]> dbi = tripletTable ? triplets : clients;
    KeyRange<byte[]> range =
        p.afterKey() == null ? KeyRange.all() : KeyRange.greaterThan(p.afterKey());
    int n = 0;
    long visited = p.visited();
    long deleted = p.deleted();
    byte[] last = p.afterKey();
    List<byte[]> dead = new ArrayList<>();
    try (CursorIterable<byte[]> it = dbi.iterate(txn, range)) {
      for (CursorIterable.KeyVal<byte[]> kv : it) {
        if (n++ >= s.limit()) {
          break;
        }
        byte[] key = kv.key();
        byte[] v = kv.val();
        last = key;
        visited++;
        boolean expired;
        if (v.length < 16) {
          expired = true; // not ours: a damaged row is dropped, not trusted
        } else if (tripletTable) {
          expired = s.rule().tripletExpired(new TripletEntry(longAt(v, 0), longAt(v, 8)), s.now());
        } else {
          expired = s.rule().clientExpired(new ClientEntry(longAt(v, 0), longAt(v, 8)), s.now());
        }
        if (expired) {
          dead.add(key);
        }
      }
      if (n <= s.limit()) {
        // ran off the end of this table
        for (byte[] k : dead) dbi.delete(txn, k);
        return new SweepProgress(p.table() + 1, null, visited, deleted + dead.size());
      }
    }
    for (byte[] k : dead) {
      dbi.delete(txn, k);
    }
    return new SweepProgress(p.table(), last, visited, deleted + dead.size());
  }

  // ---------------------------------------------------------------- inspection

  @Override
  public long tripletCount() {
    return count(triplets);
  }

  @Override
  public long clientCount() {
    return count(clients);
  }

  private long count(Dbi<byte[]> dbi) {
    ensureOpen();
    resizeLock.readLock().lock();
    try (Txn<byte[]> txn = env.txnRead()) {
      return dbi.stat(txn).entries;
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    forEach(triplets, (k, v) -> action.accept(k, new TripletEntry(longAt(v, 0), longAt(v, 8))));
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    forEach(clients, (k, v) -> action.accept(k, new ClientEntry(longAt(v, 0), longAt(v, 8))));
  }

  private void forEach(Dbi<byte[]> dbi, BiConsumer<String, byte[]> action) {
    ensureOpen();
    resizeLock.readLock().lock();
    try (Txn<byte[]> txn = env.txnRead();
        Cursor<byte[]> cursor = dbi.openCursor(txn)) {
      for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
        byte[] v = cursor.val();
        if (v.length >= 16) {
          action.accept(new String(cursor.key(), StandardCharsets.UTF_8), v);
        }
      }
    } finally {
      resizeLock.readLock().unlock();
    }
  }

  /** What {@link #verify} found. */
  public record Verification(long triplets, long clients, java.util.List<String> problems) {
    public boolean clean() {
      return problems.isEmpty();
    }
  }

  /**
   * Reads every row of both tables (touching every page LMDB reaches) and checks each: a 16-byte
   * value, first seen not after last seen, times after 2000 and not more than a day ahead of {@code
   * now}, a positive client count, a UTF-8 key. Reports at most 100 problems.
   */
  public Verification verify(long now) {
    ensureOpen();
    java.util.List<String> problems = new ArrayList<>();
    long[] counts = new long[2];
    long floor = 946_684_800L; // 2000-01-01
    resizeLock.readLock().lock();
    try (Txn<byte[]> txn = env.txnRead()) {
      for (int table = 0; table < 2; table++) {
        Dbi<byte[]> dbi = table == 0 ? triplets : clients;
        String name = table == 0 ? "triplet" : "client";
        try (Cursor<byte[]> cursor = dbi.openCursor(txn)) {
          for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
            counts[table]++;
            byte[] k = cursor.key();
            byte[] v = cursor.val();
            String key = new String(k, StandardCharsets.UTF_8);
            String problem = null;
            if (k.length == 0
                || !java.util.Arrays.equals(key.getBytes(StandardCharsets.UTF_8), k)) {
              problem = "key is not UTF-8";
            } else if (v.length != 16) {
              problem = "value has " + v.length + " bytes, expected 16";
            } else if (table == 0) {
              long first = longAt(v, 0);
              long last = longAt(v, 8);
              if (first > last) problem = "first seen " + first + " after last seen " + last;
              else if (first < floor || last > now + 86_400)
                problem = "times out of range: " + first + ", " + last;
            } else {
              long count = longAt(v, 0);
              long last = longAt(v, 8);
              if (count < 1) problem = "count " + count;
              else if (last < floor || last > now + 86_400)
                problem = "last seen out of range: " + last;
            }
            if (problem != null && problems.size() < 100) {
              problems.add(name + " " + key + ": " + problem);
            }
          }
        }
      }
    } catch (LmdbException e) {
      problems.add("LMDB error while reading: " + e.getMessage());
    } finally {
      resizeLock.readLock().unlock();
    }
    return new Verification(counts[0], counts[1], java.util.List.copyOf(problems));
  }

  /** Current map size in bytes (grows on demand). */
  public long mapSize() {
    return mapSize;
  }

  // ---------------------------------------------------------------- lifecycle

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
    if (writer != null) {
      queue.add(new Barrier(new CompletableFuture<>())); // ends the writer's wait at once
    }
    if (writer == null) {
      env.close();
      return;
    }
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      log.error("LMDB writer did not finish within 10 s; {} writes are lost", backlog.get());
      writer.interrupt();
    }
    resizeLock.writeLock().lock();
    try {
      env.close();
    } finally {
      resizeLock.writeLock().unlock();
      releaseLock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new StoreException("store " + dir + " is closed");
    }
  }

  private void releaseLock() {
    try {
      lock.release();
    } catch (IOException | RuntimeException e) {
      log.debug("releasing {}", dir, e);
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }

  // ---------------------------------------------------------------- encoding

  /** UTF-8 key; one longer than LMDB's 511-byte limit is replaced by '~' + its SHA-256. */
  static byte[] keyBytes(String key) {
    byte[] b = key.getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_KEY) {
      return b;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(b);
      return ("~" + HexFormat.of().formatHex(digest)).getBytes(StandardCharsets.US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static byte[] encode(long a, long b) {
    return ByteBuffer.allocate(16).putLong(a).putLong(b).array();
  }

  private static long longAt(byte[] v, int offset) {
    return ByteBuffer.wrap(v, offset, 8).getLong();
  }
}
