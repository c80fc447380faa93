package org.greygate.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.store.Expiry;
import org.greygate.store.TripletStore;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.store.memory.MemoryStore;
import org.greygate.store.redis.RedisSettings;
import org.greygate.store.redis.RedisStore;

/**
 * The one place stores are opened: a {@link StoreLocation} and what the opener means to do with it
 * ({@link Access}). A new backend is a case of {@link StoreLocation} and one branch here.
 */
public final class Stores {
  private Stores() {}

  /**
   * How a shared store is reached (password file, TLS, key prefix): for the tools that name one.
   */
  public static final List<Setting<?>> SHARED_STORE_SETTINGS = RedisSettings.ALL;

  /** What the opener does with the store. */
  public enum Access {
    /** The daemon: reads and writes, owns the database while it runs. */
    SERVE,
    /**
     * Beside a running daemon, changing nothing ({@code check}, {@code report}, {@code db stats}):
     * writes stay in memory; a directory with no database yet reads as empty.
     */
    INSPECT,
    /** A tool that writes with the daemon stopped ({@code db copy}'s target, {@code limits}). */
    TOOL
  }

  /**
   * Opens the store at {@code where}.
   *
   * @param expiry the daemon's expiry (a network store sets its rows' lifetimes from it)
   * @param commitInterval the embedded store's pause between commits (serving only)
   * @throws org.greygate.store.StoreException if it cannot be opened
   */
  public static TripletStore open(
      StoreLocation where, Access access, Expiry expiry, Duration commitInterval) {
    if (where instanceof StoreLocation.Redis r) return RedisStore.open(r.settings(), expiry);
    return lmdb(((StoreLocation.Lmdb) where).dir(), access, commitInterval);
  }

  private static TripletStore lmdb(Path dir, Access access, Duration commitInterval) {
    return switch (access) {
      case SERVE -> LmdbStore.open(dir, commitInterval);
      case INSPECT ->
          Files.isRegularFile(dir.resolve("data.mdb"))
              ? LmdbStore.openDryRun(dir)
              : new MemoryStore();
      case TOOL -> LmdbStore.open(dir);
    };
  }

  /**
   * The embedded database itself, for the tools that work on LMDB's files ({@code db verify},
   * {@code db dump}, {@code limits}): {@link Access#INSPECT} reads beside the daemon (the database
   * must exist), {@link Access#TOOL} writes with the daemon stopped.
   */
  public static LmdbStore lmdb(Path dir, Access access) {
    return access == Access.TOOL ? LmdbStore.open(dir) : LmdbStore.openDryRun(dir);
  }

  /**
   * Replaces the embedded database in {@code dir} all at once or not at all ({@code db load},
   * {@code db import-postgrey}), the daemon stopped: {@code filling} fills a fresh database beside
   * the current one (empty, or a copy of it when {@code fromCopy}), which takes its place only when
   * {@code filling} returns.
   *
   * @throws org.greygate.store.StoreException if {@code dir} is unusable or in use
   */
  public static <T> T rebuild(Path dir, boolean fromCopy, LmdbStore.Filling<T> filling)
      throws java.io.IOException {
    return LmdbStore.rebuild(dir, fromCopy, filling);
  }
}
