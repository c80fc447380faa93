package org.greygate.app;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.dns.DnsSettings;
import org.greygate.greylist.GreylistSettings;
import org.greygate.server.ServerSettings;
import org.greygate.store.StoreSettings;
import org.greygate.store.redis.RedisSettings;
import org.greygate.whitelist.WhitelistSettings;

/**
 * Every setting of the daemon, as each package declares its own: the options of {@code serve} and
 * {@code check}, the keys of the configuration file, the documented options. The daemon's own
 * (greylisting, whitelists, store, DNS, listeners, chain, process) first, then each feature's, in
 * the order of {@link Features#ALL}.
 */
public final class DaemonSettings {
  private DaemonSettings() {}

  /** The daemon's own settings, without any feature's. */
  static final List<Setting<?>> CORE =
      concat(
          GreylistSettings.ALL,
          List.of(WhitelistSettings.WHITELIST_CLIENTS, WhitelistSettings.WHITELIST_RECIPIENTS),
          StoreSettings.ALL,
          RedisSettings.ALL,
          DnsSettings.ALL,
          ServerSettings.ALL,
          PolicySettings.ALL,
          PolicySetSettings.ALL,
          ProcessSettings.ALL);

  public static final List<Setting<?>> ALL = concat(CORE, Features.settings());

  @SafeVarargs
  private static List<Setting<?>> concat(List<Setting<?>>... lists) {
    List<Setting<?>> out = new ArrayList<>();
    for (List<Setting<?>> l : lists) {
      for (Setting<?> s : l) {
        if (out.stream().anyMatch(o -> o.name().equals(s.name()))) {
          throw new IllegalStateException(s.option() + " is declared twice");
        }
        out.add(s);
      }
    }
    return List.copyOf(out);
  }
}
