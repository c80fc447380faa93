package org.greygate.report;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;

/**
 * Every reason a decision line can give, as the packages that decide declare them (the daemon's own
 * and each feature's, gathered by the composition root): what {@code greygate report}, the stats
 * line and the docs count by. Postgrey's reasons are greygate's same words, so its lines are filed
 * the same way. A reason not here is {@link Category#OTHER}; a test holds this list to the reasons
 * the source logs. Immutable.
 */
public final class Reasons {
  private final List<Reason> all;
  private final Map<String, Reason> byName;
  private final List<Reason> families;

  /**
   * @throws IllegalStateException when two reasons have one name
   */
  public Reasons(List<Reason> declared) {
    this.all = List.copyOf(declared);
    this.byName = byName(all);
    this.families = all.stream().filter(Reason::family).toList();
  }

  /** Every declared reason. */
  public List<Reason> all() {
    return all;
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
  public Reason find(String logged) {
    Reason r = byName.get(logged);
    if (r != null && !r.family()) return r;
    for (Reason f : families) {
      if (f.matches(logged)) return f;
    }
    return null;
  }

  /** The reasons counted under {@code c} (for a reason with two categories: under either). */
  public List<Reason> in(Category c) {
    return all.stream().filter(r -> r.category() == c || r.afterDelay() == c).toList();
  }

  /**
   * The category of a decision. Greylisting and rate limits are told by the action ({@code
   * greylist}, {@code ratelimit}): their reasons under another action are no such answer.
   *
   * @param action the log's action ({@code greylist}, {@code pass}, {@code ratelimit}, or what a
   *     fail-open answer told Postfix)
   * @param afterDelay the line carries {@code delay=} (the store's counters: a {@code prepend})
   */
  public Category category(String action, String reason, boolean afterDelay) {
    if (action.equals("greylist")) return Category.GREYLISTED;
    if (action.equals("ratelimit")) return Category.RATE_LIMITED;
    Reason r = find(reason);
    if (r == null) return Category.OTHER;
    Category c = r.category(afterDelay);
    return c == Category.GREYLISTED || c == Category.RATE_LIMITED ? Category.OTHER : c;
  }

  /**
   * What a reason of a family names ({@code limit user-burst}: {@code user-burst}); any other
   * reason as it is.
   */
  public String member(String logged) {
    Reason r = find(logged);
    return r != null && r.family() && logged.startsWith(r.name())
        ? logged.substring(r.name().length())
        : logged;
  }
}
