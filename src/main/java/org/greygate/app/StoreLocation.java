package org.greygate.app;

import java.nio.file.Path;
import org.greygate.store.redis.RedisStore;

/**
 * Where a store is: the embedded LMDB database in a directory, or a shared Redis. One case per
 * backend; {@link Stores#open} is the one place that turns a location into an open store.
 */
public sealed interface StoreLocation {
  /** For the log and error messages: the directory, or the Redis server without its password. */
  String describe();

  /** Whether {@code where} is a shared store's URL rather than a directory. */
  static boolean isShared(String where) {
    String w = where.strip().toLowerCase(java.util.Locale.ROOT);
    return w.startsWith("redis://")
        || w.startsWith("rediss://")
        || w.startsWith("redis-sentinel://")
        || org.greygate.store.redis.RedisLocation.isCluster(w);
  }

  /**
   * The store {@code where} names: a shared store's URL (reached with the Redis settings of {@code
   * settings}: password file, TLS, prefix), else the embedded database in that directory.
   *
   * @param setting the setting that gave {@code where} ({@code store}, {@code from}), for errors
   * @param timeout how long a shared store's command may take
   * @throws org.greygate.config.InvalidSetting naming the setting at fault
   */
  static StoreLocation of(
      String where,
      String setting,
      org.greygate.config.Settings settings,
      java.time.Duration timeout) {
    if (isShared(where)) {
      return new Redis(
          org.greygate.store.redis.RedisSettings.settings(settings, setting, where, timeout));
    }
    return new Lmdb(Path.of(where));
  }

  /** The embedded database in {@code dir} ({@code data.mdb}, {@code lock.mdb}). */
  record Lmdb(Path dir) implements StoreLocation {
    @Override
    public String describe() {
      return dir.toString();
    }
  }

  /**
   * A Redis server (plain, TLS or found through Sentinel) or a Redis Cluster, shared by several
   * hosts.
   */
  record Redis(RedisStore.Settings settings) implements StoreLocation {
    @Override
    public String describe() {
      return RedisStore.describe(settings);
    }
  }
}
