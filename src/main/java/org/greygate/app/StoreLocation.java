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

  /** The embedded database in {@code dir} ({@code data.mdb}, {@code lock.mdb}). */
  record Lmdb(Path dir) implements StoreLocation {
    @Override
    public String describe() {
      return dir.toString();
    }
  }

  /** A Redis server (plain, TLS or found through Sentinel) shared by several hosts. */
  record Redis(RedisStore.Settings settings) implements StoreLocation {
    @Override
    public String describe() {
      return RedisStore.describe(settings);
    }
  }
}
