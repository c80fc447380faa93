package org.greygate.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How greygate asks DNS, for every feature that does (DNS lists, SPF grouping).
 *
 * @param budget how long one request may wait for all of its DNS answers together; past it the
 *     request is decided as if those features were off
 * @param servers the resolvers to ask, in turn; empty: the system's (resolv.conf)
 */
public record DnsSettings(Duration budget, List<InetSocketAddress> servers) {
  public static final DnsSettings DEFAULT = new DnsSettings(Duration.ofMillis(200), List.of());

  public DnsSettings {
    servers = List.copyOf(servers);
    if (budget.toMillis() < 1 || budget.toMillis() > 10_000) {
      throw new IllegalArgumentException(
          "must be between 1 ms and 10 s, got " + budget.toMillis() + " ms");
    }
  }

  /** A client of these resolvers; one query may take the whole budget. */
  public DnsClient client() {
    return DnsClient.of(servers, budget);
  }
}
