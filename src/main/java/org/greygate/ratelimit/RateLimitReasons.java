package org.greygate.ratelimit;

import java.util.List;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;

/** The reasons the outbound rate limits log: one per rule, {@code limit RULE}. */
public final class RateLimitReasons {
  private RateLimitReasons() {}

  public static final Reason LIMIT = Reason.family("limit ", Category.RATE_LIMITED);

  public static final List<Reason> ALL = List.of(LIMIT);
}
