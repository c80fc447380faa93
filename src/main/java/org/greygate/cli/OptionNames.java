package org.greygate.cli;

import java.util.Map;
import org.greygate.config.InvalidSetting;

/**
 * Where configuration records' setting names meet option names: the one table that turns {@code
 * delay must be >= 0} from the greylist package into {@code --delay must be >= 0} for the admin.
 */
final class OptionNames {
  private static final Map<String, String> OPTIONS =
      Map.ofEntries(
          Map.entry("delay", "--delay"),
          Map.entry("maxAge", "--max-age"),
          Map.entry("retryWindow", "--retry-window"),
          Map.entry("ipv4Cidr", "--ipv4cidr"),
          Map.entry("ipv6Cidr", "--ipv6cidr"),
          Map.entry("greylistAction", "--greylist-action"),
          Map.entry("greylistText", "--greylist-text"),
          Map.entry("xGreylistHeader", "--x-greylist-header"),
          Map.entry("awlClients", "--auto-whitelist-clients"),
          Map.entry("hostname", "--hostname"),
          Map.entry("listen", "--inet/--unix"),
          Map.entry("maxConnections", "--max-connections"),
          Map.entry("idleTimeout", "--idle-timeout"),
          Map.entry("backlog", "--listen-queue-size"),
          Map.entry("ioThreads", "--io-threads"),
          Map.entry("replyTimeout", "--reply-timeout"),
          Map.entry("commitInterval", "--commit-interval"),
          Map.entry("sweepInterval", "--sweep-interval"),
          Map.entry("statsInterval", "--stats-interval"),
          Map.entry("maxLineBytes", "--max-line-length"),
          Map.entry("maxAttributes", "--max-attributes"),
          Map.entry("maxRequestBytes", "--max-request-size"),
          Map.entry("connections", "--connections"),
          Map.entry("keyspace", "--keyspace"),
          Map.entry("threads", "--threads"),
          Map.entry("keyOffset", "--key-offset"),
          Map.entry("target", "--target"));

  private OptionNames() {}

  /** The error as the admin should read it: the option's name, then the problem. */
  static GreygateCli.UsageError usage(InvalidSetting e) {
    String option = OPTIONS.getOrDefault(e.setting(), e.setting());
    return new GreygateCli.UsageError(option + " " + e.problem());
  }
}
