package org.greygate.app;

import static org.greygate.config.InvalidSetting.check;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.greygate.queue.QueueWatchConfig;
import org.greygate.server.ServerOptions;
import org.greygate.store.redis.RedisStore;
import org.greygate.whitelist.WhitelistSource;

/**
 * What a running daemon is built from, besides its listeners; validated once.
 *
 * @param policy the chain's settings
 * @param dbdir the store's directory
 * @param privacy store keys as keyed hashes (secret in {@code dbdir})
 * @param whitelists the whitelist files
 * @param rules the rate-limit rules file, or {@code null} for none
 * @param redis the shared store on Redis, or {@code null} for the embedded LMDB store in {@code
 *     dbdir}
 * @param commitInterval the store's pause between commit starts (0 to 500 ms: writes must be
 *     durable within 1 s)
 * @param sweepInterval time between expiry sweeps
 * @param statsInterval time between stats lines; zero for none
 * @param server the policy listeners and their limits
 * @param metrics where the metrics and health endpoint listens, or {@code null} for none
 * @param queueWatch the queue watch, or {@code null} for none
 */
public record DaemonConfig(
    PolicyConfig policy,
    Path dbdir,
    boolean privacy,
    WhitelistSource whitelists,
    Path rules,
    RedisStore.Settings redis,
    Duration commitInterval,
    Duration sweepInterval,
    Duration statsInterval,
    ServerOptions server,
    InetSocketAddress metrics,
    QueueWatchConfig queueWatch) {
  public DaemonConfig {
    check(
        !commitInterval.isNegative() && commitInterval.toMillis() <= 500,
        "commitInterval",
        "must be between 0 and 500 milliseconds (writes must be durable within 1 s), got "
            + commitInterval.toMillis());
    check(
        sweepInterval.toSeconds() >= 1,
        "sweepInterval",
        "must be at least 1 second, got " + sweepInterval.toSeconds());
    check(
        !statsInterval.isNegative(),
        "statsInterval",
        "must be >= 0 seconds, got " + statsInterval.toSeconds());
  }

  /** Where the store is: the shared Redis when configured, else the embedded LMDB in dbdir. */
  public StoreLocation store() {
    return redis != null ? new StoreLocation.Redis(redis) : new StoreLocation.Lmdb(dbdir);
  }
}
