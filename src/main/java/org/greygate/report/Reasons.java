package org.greygate.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.greygate.dnslist.DnsListReasons;
import org.greygate.greylist.GreylistReasons;
import org.greygate.policy.Category;
import org.greygate.policy.PolicyReasons;
import org.greygate.policy.Reason;
import org.greygate.ratelimit.RateLimitReasons;
import org.greygate.whitelist.WhitelistReasons;

/**
 * Every reason a decision line can give, from the packages that declare them: what {@code greygate
 * report}, the stats line and the docs count by. Postgrey's reasons are greygate's same words, so
 * its lines are filed the same way. A reason not here is {@link Category#OTHER}; a test holds this
 * list to the reasons the source logs.
 */
public final class Reasons {
  private Reasons() {}

  /** In chain order. */
  public static final List<Reason> ALL = all();

  private static final Map<String, Reason> BY_NAME = byName(ALL);
  private static final List<Reason> FAMILIES = ALL.stream().filter(Reason::family).toList();

  private static List<Reason> all() {
    List<Reason> all = new ArrayList<>();
    all.addAll(PolicyReasons.ALL);
    all.addAll(RateLimitReasons.ALL);
    all.addAll(WhitelistReasons.ALL);
    all.addAll(DnsListReasons.ALL);
    all.addAll(GreylistReasons.ALL);
    return List.copyOf(all);
  }

  private static Map<String, Reason> byName(List<Reason> all) {
    Map<String, Reason> m = new HashMap<>();
    for (Reason r : all) {
      if (m.put(r.name(), r) != null) {
        throw new IllegalStateException("two reasons are named '" + r.name() + "'");
      }
    }
    return Map.copyOf(m);
  }

  /** The declared reason a logged one is, or null when none is. */
  public static Reason find(String logged) {
    Reason r = BY_NAME.get(logged);
    if (r != null && !r.family()) return r;
    for (Reason f : FAMILIES) {
      if (f.matches(logged)) return f;
    }
    return null;
  }

  /** The reasons counted under {@code c} (for a reason with two categories: under either). */
  public static List<Reason> in(Category c) {
    return ALL.stream().filter(r -> r.category() == c || r.afterDelay() == c).toList();
  }

  /**
   * The category of a decision. Greylisting and rate limits are told by the action ({@code
   * greylist}, {@code ratelimit}): their reasons under another action are no such answer.
   *
   * @param action the log's action ({@code greylist}, {@code pass}, {@code ratelimit}, or what a
   *     fail-open answer told Postfix)
   * @param afterDelay the line carries {@code delay=} (the store's counters: a {@code prepend})
   */
  public static Category category(String action, String reason, boolean afterDelay) {
    if (action.equals("greylist")) return Category.GREYLISTED;
    if (action.equals("ratelimit")) return Category.RATE_LIMITED;
    Reason r = find(reason);
    if (r == null) return Category.OTHER;
    Category c = r.category(afterDelay);
    return c == Category.GREYLISTED || c == Category.RATE_LIMITED ? Category.OTHER : c;
  }
}
