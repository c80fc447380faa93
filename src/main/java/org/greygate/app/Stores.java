package org.greygate.app;

import java.nio.file.Files;
import java.nio.file.Path;
import org.greygate.store.TripletStore;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.store.memory.MemoryStore;
import org.greygate.store.redis.RedisStore;

/** Where a store is chosen and opened: one line here per backend. */
public final class Stores {
  private Stores() {}

  /**
   * The daemon's store: the shared Redis store when configured, else the embedded LMDB store in
   * {@code dbdir}.
   *
   * @throws org.greygate.store.StoreException if it cannot be opened
   */
  public static TripletStore open(DaemonConfig config) {
    if (config.redis() != null) {
      return RedisStore.open(config.redis(), config.policy().greylist().expiry());
    }
    return LmdbStore.open(config.dbdir(), config.commitInterval());
  }

  /** Where the daemon's state is, for the log: the Redis server, or the LMDB directory. */
  public static String describe(DaemonConfig config) {
    return config.redis() != null ? RedisStore.describe(config.redis()) : config.dbdir().toString();
  }

  /**
   * For tools that must change nothing ({@code check}): the daemon's database read beside it,
   * writes kept in memory; an empty in-memory store when the directory holds no database yet.
   */
  public static TripletStore inspect(Path dbdir) {
    return Files.isRegularFile(dbdir.resolve("data.mdb"))
        ? LmdbStore.openDryRun(dbdir)
        : new MemoryStore();
  }
}
