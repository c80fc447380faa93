package org.greygate.store;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Values;

/**
 * Where the greylist is kept and how it is kept up, declared once. The Redis options are {@code
 * store.redis.RedisSettings}'.
 */
public final class StoreSettings {
  private StoreSettings() {}

  public static final Setting<Path> DBDIR =
      Setting.value(
              "dbdir", "PATH", Path.of("/var/lib/greygate"), Values.PATH, "Database directory.")
          .inGroup("Greylisting (Postgrey's names and defaults)");

  /** Null, blank or {@code lmdb}: the embedded database in {@link #DBDIR}. */
  public static final Setting<String> STORE =
      Setting.value(
              "store",
              "URL",
              null,
              Values.TEXT,
              "Share the greylist through Redis: redis://[USER:PASSWORD@]HOST[:PORT][/DB],"
                  + " rediss://... (TLS), redis-sentinel://HOST:PORT[,HOST:PORT]/MASTER or"
                  + " redis-cluster://HOST:PORT[,HOST:PORT] (rediss-cluster:// over TLS)"
                  + " (default: the embedded LMDB database in --dbdir). docs/multi-mx.md")
          .inGroup("Listening and limits");

  /** In seconds. */
  public static final Setting<Long> SWEEP_INTERVAL =
      Setting.value(
              "sweep-interval",
              "SECONDS",
              3600L,
              Values.LONG,
              "Delete expired entries this often, in the background.")
          .inGroup("Operation");

  /** In milliseconds. */
  public static final Setting<Long> COMMIT_INTERVAL =
      Setting.value(
              "commit-interval",
              "MILLISECONDS",
              100L,
              Values.LONG,
              "Start a database commit at most this often; writes arriving meanwhile join the"
                  + " next commit (0 commits as soon as the previous one is done). A crash loses"
                  + " at most this plus one commit of writes.")
          .inGroup("Operation");

  public static final List<Setting<?>> ALL = List.of(DBDIR, STORE, SWEEP_INTERVAL, COMMIT_INTERVAL);

  /** Whether {@code url} (the value of {@link #STORE}) names the embedded store. */
  public static boolean embedded(String url) {
    return url == null || url.isBlank() || url.strip().equalsIgnoreCase("lmdb");
  }
}
