package org.greygate.dnslist;

import java.util.List;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;

/** The reasons the DNS lists log. */
public final class DnsListReasons {
  private DnsListReasons() {}

  /** Listed by enough allow lists: passed ({@code dnswl=} names them). */
  public static final Reason DNSWL =
      Reason.of("dnswl", Category.WHITELISTED).namingSeveral("dnswl", "dnswl");

  /** {@code --greylist-only-listed}: a client on no block list is not greylisted. */
  public static final Reason NOT_LISTED = Reason.of("not listed", Category.WHITELISTED);

  public static final List<Reason> ALL = List.of(DNSWL, NOT_LISTED);
}
