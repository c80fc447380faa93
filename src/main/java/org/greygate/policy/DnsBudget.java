package org.greygate.policy;

import java.time.Duration;

/**
 * One request's time for DNS, shared by every policy that asks DNS (lists, SPF): the clock starts
 * when the first of them asks, and each of them waits only for what is left.
 */
public final class DnsBudget {
  private static final ContextKey<Long> DEADLINE = ContextKey.named("DNS deadline");

  private DnsBudget() {}

  /**
   * Nanoseconds left of {@code budget} for this request (zero or less: spent); the first call
   * starts it.
   */
  public static long remainingNanos(PolicyContext context, Duration budget) {
    Long deadline = context.get(DEADLINE);
    if (deadline == null) {
      deadline = System.nanoTime() + budget.toNanos();
      context.set(DEADLINE, deadline);
    }
    return deadline - System.nanoTime();
  }
}
