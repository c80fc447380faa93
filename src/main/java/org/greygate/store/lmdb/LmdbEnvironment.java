package org.greygate.store.lmdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.greygate.files.PrivateFiles;
import org.greygate.store.StoreException;
import org.lmdbjava.ByteBufferProxy;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One LMDB environment in one directory ({@code data.mdb}, {@code lock.mdb}) and, when writable,
 * the exclusive {@code greygate.lock} that keeps a second process out. Owns the native resources:
 * {@link #close()} is idempotent and releases them all. Growing the map waits until no read
 * transaction is open (LMDB's rule), so every transaction goes through {@link #read} or {@link
 * #write}.
 *
 * <p>Buffers: LMDB is given keys and values in direct buffers (a thread's scratch buffer, reused:
 * no native allocation, no finalizer work per call) and hands back views of its map, copied out at
 * once; callers see byte arrays. Read transactions are reset and renewed rather than opened and
 * closed per read.
 */
final class LmdbEnvironment implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LmdbEnvironment.class);
  static final long MAX_MAP = 1L << 40;

  final Path dir;
  final boolean readOnly;
  private final FileChannel lockChannel;
  private final FileLock lock;
  static final String LOCK_FILE = "greygate.lock";
  private static final int IDLE_READS = 16;

  private final Env<ByteBuffer> env;
  private final Map<Table, Dbi<ByteBuffer>> dbis = new EnumMap<>(Table.class);

  /** Read transactions reset after use, renewed by the next read (any thread: MDB_NOTLS). */
  private final ArrayBlockingQueue<Txn<ByteBuffer>> idleReads =
      new ArrayBlockingQueue<>(IDLE_READS);

  private static final ThreadLocal<ByteBuffer[]> SCRATCH =
      ThreadLocal.withInitial(
          () ->
              new ByteBuffer[] {
                ByteBuffer.allocateDirect(LmdbCodec.MAX_KEY), ByteBuffer.allocateDirect(64)
              });
  private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
  private volatile long mapSize;
  private boolean closed;

  private LmdbEnvironment(Path dir, long initialMapSize, boolean readOnly) {
    this.dir = dir;
    this.readOnly = readOnly;
    // root's tools work in the daemon's directory: nothing there may lead them elsewhere
    try {
      int owner;
      if (!readOnly && !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        try {
          // who mails whom: the owner's alone, whatever the umask
          PrivateFiles.createPrivateDirectories(dir);
        } catch (IOException e) {
          throw new StoreException.Unavailable(
              "cannot create database directory " + dir + ": " + PrivateFiles.reason(e), e);
        }
      }
      owner = PrivateFiles.requireStateDirectory(dir);
      for (String name : List.of("data.mdb", "lock.mdb", LOCK_FILE)) {
        PrivateFiles.requireOwnFileIfPresent(dir.resolve(name), owner);
      }
    } catch (IOException e) {
      throw new StoreException.Unavailable(
          "cannot use database directory " + dir + ": " + PrivateFiles.reason(e), e);
    }
    if (readOnly) {
      lockChannel = null;
      lock = null;
      mapSize = Math.max(initialMapSize, dir.resolve("data.mdb").toFile().length());
    } else {
      Path lockFile = dir.resolve(LOCK_FILE);
      // Modes are set before anything is locked or opened: setting a mode without following a
      // link opens and closes the file, and closing any descriptor of a file drops this
      // process's fcntl locks on it (ours on greygate.lock, LMDB's on lock.mdb), which would let
      // a second writer in. New files are made owner-only as they are created.
      for (String name : List.of(LOCK_FILE, "data.mdb", "lock.mdb")) {
        if (Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
          ownerOnly(dir.resolve(name)); // also those an earlier version left 0644
        }
      }
      FileChannel channel = null;
      FileLock acquired;
      try {
        channel =
            FileChannel.open(
                lockFile,
                Set.of(
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        acquired = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        acquired = null;
      } catch (IOException e) {
        closeQuietly(channel);
        throw new StoreException.Unavailable(
            "cannot open lock file " + lockFile + ": " + PrivateFiles.reason(e), e);
      }
      if (acquired == null) {
        closeQuietly(channel);
        throw new StoreException.InUse(
            "database "
                + dir
                + " is in use by another greygate process (lock held on "
                + lockFile
                + ")");
      }
      lockChannel = channel;
      lock = acquired;
      long existing = dir.resolve("data.mdb").toFile().length();
      mapSize = Math.max(initialMapSize, roundUp(existing + (existing >> 1)));
    }
    try {
      Env.Builder<ByteBuffer> b =
          Env.create(ByteBufferProxy.PROXY_OPTIMAL)
              .setMapSize(mapSize)
              .setMaxDbs(8)
              .setMaxReaders(1024);
      env =
          readOnly
              ? b.open(dir.toFile(), EnvFlags.MDB_NOTLS, EnvFlags.MDB_RDONLY_ENV)
              : b.open(dir.toFile(), 0600, EnvFlags.MDB_NOTLS);
      for (Table t : Table.values()) {
        Dbi<ByteBuffer> dbi = openDbi(t);
        if (dbi != null) dbis.put(t, dbi);
      }
    } catch (RuntimeException e) {
      releaseLock();
      throw LmdbFaults.translate(e, "open of " + dir);
    }
  }

  /** Files of the store are the owner's alone (the umask may have left them readable). */
  private static void ownerOnly(Path file) {
    try {
      PrivateFiles.ownerOnly(file);
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("cannot make {} readable by its owner only: {}", file, e.toString());
    }
  }

  private Dbi<ByteBuffer> openDbi(Table t) {
    if (!readOnly) {
      return env.openDbi(t.dbName, DbiFlags.MDB_CREATE);
    }
    try {
      return env.openDbi(t.dbName);
    } catch (RuntimeException e) {
      // a database written before this table existed: read as empty
      return null;
    }
  }

  /**
   * Opens (creating if needed) the environment for writing, holding the directory's lock.
   *
   * @throws StoreException if the directory is unusable or another process has it open
   */
  static LmdbEnvironment openWritable(Path dir, long initialMapSize) {
    return new LmdbEnvironment(dir, initialMapSize, false);
  }

  /** Opens an existing environment read-only, without the lock: safe beside a running daemon. */
  static LmdbEnvironment openReadOnly(Path dir) {
    try {
      // a link or other non-file is refused, with its reason, by the checks of the constructor
      Files.readAttributes(
          dir.resolve("data.mdb"),
          java.nio.file.attribute.BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new StoreException.Unavailable("no greygate database in " + dir + " yet (no data.mdb)");
    } catch (IOException e) {
      // a directory this user may not enter is not "no database"
      throw new StoreException.Unavailable(
          "cannot read database directory " + dir + ": " + PrivateFiles.reason(e), e);
    }
    return new LmdbEnvironment(dir, 1L << 20, true);
  }

  /**
   * Copies the database, compacted, into {@code to}, an empty directory: one consistent snapshot,
   * taken in a read transaction, so writes may go on meanwhile.
   */
  void copyTo(Path to) {
    try {
      env.copy(to.toFile(), org.lmdbjava.CopyFlags.MDB_CP_COMPACT);
    } catch (RuntimeException e) {
      throw LmdbFaults.translate(e, "copy of " + dir + " to " + to);
    }
  }

  /** The table's handle, or {@code null} for a table this (read-only, older) database lacks. */
  Dbi<ByteBuffer> dbi(Table t) {
    return dbis.get(t);
  }

  /** Runs {@code body} in a read transaction; LMDB errors come out as StoreExceptions. */
  <T> T read(Function<Txn<ByteBuffer>, T> body) {
    resizeLock.readLock().lock();
    Txn<ByteBuffer> txn = null;
    try {
      txn = renewed(idleReads.poll());
      if (txn == null) {
        txn = env.txnRead();
      }
      return body.apply(txn);
    } catch (RuntimeException e) {
      if (txn != null) {
        Txn<ByteBuffer> failed = txn;
        txn = null;
        closeQuietly(failed); // not reused after a failure
      }
      throw LmdbFaults.translate(e, "read in " + dir);
    } finally {
      if (txn != null) {
        txn.reset();
        if (!idleReads.offer(txn)) {
          txn.renew(); // a reset transaction is only released once renewed
          txn.close();
        }
      }
      resizeLock.readLock().unlock();
    }
  }

  /**
   * The idle transaction renewed, or null: none idle, or its renewal failed (its reader slot was
   * taken back, as when the same files were opened a second time in this process).
   */
  private static Txn<ByteBuffer> renewed(Txn<ByteBuffer> idle) {
    if (idle == null) return null;
    try {
      idle.renew();
      return idle;
    } catch (RuntimeException e) {
      closeQuietly(idle);
      return null;
    }
  }

  private static void closeQuietly(Txn<ByteBuffer> txn) {
    try {
      txn.close();
    } catch (RuntimeException ignored) {
      // the environment is going away or the transaction is broken: nothing more to release
    }
  }

  /** {@code k} in this thread's key buffer, valid until its next call here. */
  static ByteBuffer key(byte[] k) {
    ByteBuffer b = SCRATCH.get()[0];
    b.clear();
    b.put(k).flip();
    return b;
  }

  /** {@code v} in this thread's value buffer (grown as needed), valid until its next call here. */
  static ByteBuffer value(byte[] v) {
    ByteBuffer[] s = SCRATCH.get();
    if (s[1].capacity() < v.length) {
      s[1] = ByteBuffer.allocateDirect(Math.max(v.length, 2 * s[1].capacity()));
    }
    ByteBuffer b = s[1];
    b.clear();
    b.put(v).flip();
    return b;
  }

  /** A direct buffer of its own (a range bound that must outlive the next {@link #key}). */
  static ByteBuffer direct(byte[] k) {
    ByteBuffer b = ByteBuffer.allocateDirect(k.length);
    b.put(k).flip();
    return b;
  }

  /** A copy of what LMDB handed back (its view is valid only inside the transaction). */
  static byte[] bytes(ByteBuffer b) {
    if (b == null) return null;
    byte[] out = new byte[b.remaining()];
    b.get(b.position(), out);
    return out;
  }

  /** The row's value, copied, or null. */
  static byte[] get(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, byte[] key) {
    return bytes(dbi.get(txn, key(key)));
  }

  static void put(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, byte[] key, byte[] value) {
    dbi.put(txn, key(key), value(value));
  }

  static void delete(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, byte[] key) {
    dbi.delete(txn, key(key));
  }

  /**
   * Runs {@code body} in a write transaction and commits; a full map is grown (doubling) and the
   * body run again in a new transaction. Only the writer thread calls this.
   */
  void write(java.util.function.Consumer<Txn<ByteBuffer>> body) {
    while (true) {
      try {
        resizeLock.readLock().lock();
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
          body.accept(txn);
          txn.commit();
          return;
        } finally {
          resizeLock.readLock().unlock();
        }
      } catch (Env.MapFullException e) {
        grow();
      } catch (RuntimeException e) {
        throw LmdbFaults.translate(e, "commit in " + dir);
      }
    }
  }

  private void grow() {
    long next = mapSize * 2;
    if (next > MAX_MAP) {
      throw new StoreException.Full(
          "LMDB map in " + dir + " would exceed " + MAX_MAP + " bytes", null);
    }
    resizeLock.writeLock().lock();
    try {
      env.setMapSize(next);
      mapSize = next;
      log.info("LMDB map in {} grown to {} MiB", dir, next >> 20);
    } catch (RuntimeException e) {
      throw LmdbFaults.translate(e, "map growth in " + dir);
    } finally {
      resizeLock.writeLock().unlock();
    }
  }

  long entries(Table t) {
    Dbi<ByteBuffer> dbi = dbi(t);
    return dbi == null ? 0 : read(txn -> dbi.stat(txn).entries);
  }

  long mapSize() {
    return mapSize;
  }

  private static long roundUp(long bytes) {
    long size = 1L << 20;
    while (size < bytes) {
      size <<= 1;
    }
    return size;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    resizeLock.writeLock().lock();
    try {
      for (Txn<ByteBuffer> txn; (txn = idleReads.poll()) != null; ) {
        try {
          txn.renew(); // a reset transaction is only released once renewed
        } catch (RuntimeException ignored) {
          // released with the environment
        }
        closeQuietly(txn);
      }
      env.close();
    } finally {
      resizeLock.writeLock().unlock();
      releaseLock();
    }
  }

  private void releaseLock() {
    if (lock == null) return;
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
}
