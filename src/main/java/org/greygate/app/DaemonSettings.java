package org.greygate.app;

import java.util.List;
import java.util.stream.Stream;
import org.greygate.config.Setting;
import org.greygate.dns.DnsSettings;
import org.greygate.dnslist.DnsListSettings;
import org.greygate.greylist.GreylistSettings;
import org.greygate.queue.QueueWatchSettings;
import org.greygate.ratelimit.RateLimitSettings;
import org.greygate.server.ServerSettings;
import org.greygate.spf.SpfSettings;
import org.greygate.store.StoreSettings;
import org.greygate.store.redis.RedisSettings;
import org.greygate.whitelist.WhitelistSettings;

/**
 * Every setting of the daemon, as each package declares its own: the options of {@code serve} and
 * {@code check}, the keys of the configuration file, the documented options.
 */
public final class DaemonSettings {
  private DaemonSettings() {}

  public static final List<Setting<?>> ALL =
      Stream.of(
              GreylistSettings.ALL,
              WhitelistSettings.ALL,
              StoreSettings.ALL,
              RedisSettings.ALL,
              DnsListSettings.ALL,
              DnsSettings.ALL,
              SpfSettings.ALL,
              RateLimitSettings.ALL,
              ServerSettings.ALL,
              PolicySettings.ALL,
              ProcessSettings.ALL,
              List.<Setting<?>>of(QueueWatchSettings.QUEUE_WATCH),
              QueueWatchSettings.ALL)
          .flatMap(List::stream)
          .toList();
}
