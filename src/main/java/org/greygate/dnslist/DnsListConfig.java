package org.greygate.dnslist;

import java.util.List;

/**
 * The DNS list settings.
 *
 * @param lists the allow and block lists, asked in parallel for every client
 * @param skipScore a client whose allow-list score, less its block-list score, reaches this passes
 *     without greylisting
 * @param greylistOnlyListed greylist only clients on a block list or without a name (no PTR); every
 *     other client passes
 */
public record DnsListConfig(List<DnsList> lists, int skipScore, boolean greylistOnlyListed) {
  public static final DnsListConfig NONE = new DnsListConfig(List.of(), 1, false);

  public DnsListConfig {
    lists = List.copyOf(lists);
    if (skipScore < 1) throw new IllegalArgumentException("must be >= 1, got " + skipScore);
    if (greylistOnlyListed && lists.stream().noneMatch(l -> !l.allow())) {
      throw new IllegalArgumentException("--greylist-only-listed needs at least one --dnsbl");
    }
  }

  /** Whether any list is configured (else the stage is left out of the chain). */
  public boolean active() {
    return !lists.isEmpty();
  }
}
