package org.greygate.dnslist;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The DNS list settings.
 *
 * @param lists the allow and block lists, asked in parallel for every client
 * @param skipScore a client whose allow-list score, less its block-list score, reaches this passes
 *     without greylisting
 * @param greylistOnlyListed greylist only clients on a block list or without a name (no PTR); every
 *     other client passes
 * @param budget how long a request may wait for all of its DNS answers together; past it the
 *     request is decided as if the lists were not configured
 * @param servers the resolvers to ask, in turn; empty: the system's (resolv.conf)
 */
public record DnsListConfig(
    List<DnsList> lists,
    int skipScore,
    boolean greylistOnlyListed,
    Duration budget,
    List<InetSocketAddress> servers) {
  public static final DnsListConfig NONE =
      new DnsListConfig(List.of(), 1, false, Duration.ofMillis(200), List.of());

  public DnsListConfig {
    lists = List.copyOf(lists);
    servers = List.copyOf(servers);
    if (skipScore < 1) throw new IllegalArgumentException("must be >= 1, got " + skipScore);
    if (budget.toMillis() < 1 || budget.toMillis() > 10_000) {
      throw new IllegalArgumentException(
          "must be between 1 ms and 10 s, got " + budget.toMillis() + " ms");
    }
    if (greylistOnlyListed && lists.stream().noneMatch(l -> !l.allow())) {
      throw new IllegalArgumentException("--greylist-only-listed needs at least one --dnsbl");
    }
  }

  /** Whether any list is configured (else the stage is left out of the chain). */
  public boolean active() {
    return !lists.isEmpty();
  }
}
