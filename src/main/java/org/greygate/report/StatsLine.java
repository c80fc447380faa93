package org.greygate.report;

import java.util.List;
import java.util.function.LongSupplier;
import org.greygate.greylist.GreylistReasons;
import org.greygate.metrics.Counters;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters since start, one line every {@code --stats-interval}: what postmasters graph without
 * parsing decision lines. Its sums are the report's categories, read from {@link Reasons}: a reason
 * a policy adds is counted here too.
 *
 * <pre>
 * stats: requests=14840 greylisted=9120 passed_first=1711 passed=3900 whitelisted=97
 * not_applicable=12 fail_open=0 store_faults=0 timeouts=0 protocol_errors=0 refused=0 denied=0
 * connections=8 pending_writes=35 triplets=120455
 * </pre>
 *
 * (one line). {@code whitelisted} counts the whitelisted and the auto-whitelisted, {@code
 * not_applicable} every decision with no greylisting question. Thread-safe; run it on a schedule.
 */
public final class StatsLine implements Runnable {
  /**
   * The logger the line has always been written to: its last word starts the line on the console
   * ({@code Greygate: stats: ...}), and an admin's logback file may route it by this name.
   */
  private static final Logger log = LoggerFactory.getLogger("org.greygate.app.Greygate");

  private final List<Reason> greylisted;
  private final List<Reason> whitelisted;
  private final List<Reason> other;
  private final Counters counters;
  private final LongSupplier triplets;

  /**
   * @param reasons every reason the daemon's policies declare
   * @param triplets the store's triplet count (may be slow: it is asked once a line), or null where
   *     counting costs too much to do every line (a shared store): the field is left out
   */
  public StatsLine(Reasons reasons, Counters counters, LongSupplier triplets) {
    this.greylisted = reasons.in(Category.GREYLISTED);
    this.whitelisted =
        java.util.stream.Stream.concat(
                reasons.in(Category.WHITELISTED).stream(),
                reasons.in(Category.AUTO_WHITELISTED).stream())
            .toList();
    this.other = reasons.in(Category.OTHER);
    this.counters = counters;
    this.triplets = triplets;
  }

  /** Logs the line; a failure is logged and the next one is tried at its time. */
  @Override
  public void run() {
    try {
      log.info(text());
    } catch (RuntimeException e) {
      log.warn("stats line failed", e);
    }
  }

  /** The line. */
  public String text() {
    Counters m = counters;
    return "stats: requests="
        + m.decisionCount()
        + " greylisted="
        + sum(greylisted)
        + " passed_first="
        + m.decisions("prepend")
        + " passed="
        + m.decisions("dunno", GreylistReasons.TRIPLET_FOUND.name())
        + " whitelisted="
        + sum(whitelisted)
        + " not_applicable="
        + sum(other)
        + " fail_open="
        + m.failOpenCount()
        + " store_faults="
        + m.storeFaultCount()
        + " timeouts="
        + m.replyTimeouts()
        + " protocol_errors="
        + m.protocolErrors()
        + " refused="
        + m.connectionsRefused()
        + " denied="
        + m.connectionsDenied()
        + " connections="
        + m.connectionsOpen()
        + " pending_writes="
        + m.pendingWrites()
        + (triplets == null ? "" : " triplets=" + triplets.getAsLong());
  }

  private long sum(List<Reason> reasons) {
    long n = 0;
    for (Reason r : reasons) n += counters.decisionsFor(r.name());
    return n;
  }
}
