package org.greygate.app;

import static org.greygate.config.InvalidSetting.check;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.greygate.config.Settings;
import org.greygate.greylist.GreylistSettings;
import org.greygate.server.ServerOptions;
import org.greygate.server.ServerSettings;
import org.greygate.store.StoreSettings;
import org.greygate.store.redis.RedisSettings;
import org.greygate.store.redis.RedisStore;
import org.greygate.whitelist.WhitelistSettings;
import org.greygate.whitelist.WhitelistSource;

/**
 * What a running daemon is built from, validated once, from the {@link Settings} of {@link
 * DaemonSettings#ALL} ({@link #of}); nothing reads an option after.
 *
 * @param policy the chain's settings
 * @param dbdir the store's directory
 * @param privacy store keys as keyed hashes (secret in {@code dbdir})
 * @param whitelists the whitelist files
 * @param redis the shared store on Redis, or {@code null} for the embedded LMDB store in {@code
 *     dbdir}
 * @param commitInterval the store's pause between commit starts (0 to 500 ms: writes must be
 *     durable within 1 s)
 * @param sweepInterval time between expiry sweeps
 * @param statsInterval time between stats lines; zero for none
 * @param server the listeners and their limits
 * @param metrics where Prometheus scrapes, or {@code null} for no endpoint
 * @param process the pid file, the user and group, the log level
 * @param settings the values all this was built from, for a feature to build its own section
 */
public record DaemonConfig(
    PolicyConfig policy,
    Path dbdir,
    boolean privacy,
    WhitelistSource whitelists,
    RedisStore.Settings redis,
    Duration commitInterval,
    Duration sweepInterval,
    Duration statsInterval,
    ServerOptions server,
    InetSocketAddress metrics,
    ProcessConfig process,
    Settings settings) {
  public DaemonConfig {
    check(
        !commitInterval.isNegative() && commitInterval.toMillis() <= 500,
        StoreSettings.COMMIT_INTERVAL.name(),
        "must be between 0 and 500 milliseconds (writes must be durable within 1 s), got "
            + commitInterval.toMillis());
    check(
        sweepInterval.toSeconds() >= 1,
        StoreSettings.SWEEP_INTERVAL.name(),
        "must be at least 1 second, got " + sweepInterval.toSeconds());
    check(
        !statsInterval.isNegative(),
        ProcessSettings.STATS_INTERVAL.name(),
        "must be >= 0 seconds, got " + statsInterval.toSeconds());
  }

  /**
   * The daemon's configuration of {@code s}, each package's section built by its settings.
   *
   * @param version for the X-Greylist header's {@code %v}
   * @throws org.greygate.config.InvalidSetting naming the setting at fault
   */
  public static DaemonConfig of(Settings s, String version) {
    Path dbdir = s.get(StoreSettings.DBDIR);
    // Path.of("") is the working directory: the database would land wherever serve started
    check(!dbdir.toString().isBlank(), StoreSettings.DBDIR.name(), "must name a directory, got ''");
    PolicyConfig policy = PolicySettings.config(s, version);
    return new DaemonConfig(
        policy,
        dbdir,
        s.get(GreylistSettings.PRIVACY),
        WhitelistSettings.source(s),
        redis(s),
        Duration.ofMillis(s.get(StoreSettings.COMMIT_INTERVAL)),
        Duration.ofSeconds(s.get(StoreSettings.SWEEP_INTERVAL)),
        Duration.ofSeconds(s.get(ProcessSettings.STATS_INTERVAL)),
        ServerSettings.options(s),
        ServerSettings.metricsAddress(s),
        ProcessSettings.config(s),
        s);
  }

  /** The shared store's settings, or null for the embedded LMDB database. */
  static RedisStore.Settings redis(Settings s) {
    String url = s.get(StoreSettings.STORE);
    if (StoreSettings.embedded(url)) {
      RedisSettings.requireUnused(s);
      return null;
    }
    long reply = s.get(ServerSettings.REPLY_TIMEOUT);
    return RedisSettings.settings(
        s, StoreSettings.STORE.name(), url, Duration.ofMillis(Math.max(reply, 1000)));
  }

  /** Where the store is: the shared Redis when configured, else the embedded LMDB in dbdir. */
  public StoreLocation store() {
    return redis != null ? new StoreLocation.Redis(redis) : new StoreLocation.Lmdb(dbdir);
  }
}
