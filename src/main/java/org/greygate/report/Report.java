package org.greygate.report;

import java.util.List;
import java.util.Map;
import org.greygate.policy.Category;

/**
 * What {@code greygate report} shows.
 *
 * @param source where the numbers come from ({@code store DIR} or the log files)
 * @param hourly periods are hours (else days)
 * @param periods one row per day or hour, in time order
 * @param totals every (action, reason) pair over the whole report, by {@code action/reason}
 * @param effectiveness greylisted triplets that never came back (logs only), or {@code null}
 * @param delays how long mail that passed had waited (logs only), or {@code null}
 * @param topNetworks the client networks greylisted most (logs only)
 * @param topSenderDomains the sender domains greylisted most (logs only)
 * @param topWhitelistEntries the whitelist entries that let most requests through (logs only)
 * @param rateLimitHits answers from rate-limit rules, by rule
 * @param topLimitedKeys the keys rate limits answered most, as {@code RULE KEY} (logs only)
 * @param queueAlerts the queue watch's alerts, as {@code ALERT [QUEUE]} (logs only)
 * @param policySets decisions by the policy set that made them (the lines' {@code policy_context};
 *     logs only, empty when no line names one)
 * @param releases waiting triplets released to pass at their next attempt ({@code greygate
 *     release}, the API), by who asked: {@code cli} or {@code api} from the counters, {@code ORIGIN
 *     by WHO} from the logs
 * @param delayHistogram how long passed mail waited, in {@link #DELAY_BUCKETS} (logs only; empty
 *     otherwise)
 * @param unparsed log lines that hold no decision (other programs' lines, greygate's other lines)
 * @param skipped log lines that could not be read: longer than a log line can be, or a line of
 *     greygate's or Postgrey's whose decision does not parse (damaged, or not written by them)
 * @param undated decision lines without a readable time (counted in the totals only)
 * @param gaps what the log lines left unnamed (logs only), or {@code null} from the counters
 */
public record Report(
    String source,
    boolean hourly,
    List<Period> periods,
    Map<String, Long> totals,
    Effectiveness effectiveness,
    Delays delays,
    List<Top> topNetworks,
    List<Top> topSenderDomains,
    List<Top> topWhitelistEntries,
    List<Top> rateLimitHits,
    List<Top> topLimitedKeys,
    List<Top> queueAlerts,
    List<Top> policySets,
    List<Top> releases,
    List<Bucket> delayHistogram,
    long unparsed,
    long skipped,
    long undated,
    LogGaps gaps) {

  /** The report came from log lines (so it has triplets, waits and names), not from counters. */
  public boolean fromLogs() {
    return gaps != null;
  }

  /**
   * @param start ISO date ({@code 2026-12-03}) or date and hour ({@code 2026-12-03T14}); every day
   *     or hour of the report's span has one, quiet ones with zeros
   * @param categories counts by {@link Category}, every one present
   * @param counts counts by {@code action/reason}
   */
  public record Period(String start, Map<Category, Long> categories, Map<String, Long> counts) {
    public long total() {
      return categories.values().stream().mapToLong(Long::longValue).sum();
    }

    public long get(Category c) {
      return categories.getOrDefault(c, 0L);
    }
  }

  /** The sum of a category over every period. */
  public long total(Category c) {
    return periods.stream().mapToLong(p -> p.get(c)).sum();
  }

  /**
   * What the log lines did not say, so a list or a number that stays empty says why.
   *
   * @param postgreyDecisions decisions read from Postgrey's lines
   * @param unnamedWhitelisted whitelisted passes whose line names no entry (Postgrey never logs the
   *     entry that matched; greygate logs {@code whitelist=}, {@code domain_policy=}, {@code
   *     dnswl=})
   * @param greylistedWithoutTriplet greylisted decisions without a client address or recipient:
   *     counted, but in no triplet, effectiveness or top list
   */
  public record LogGaps(
      long postgreyDecisions, long unnamedWhitelisted, long greylistedWithoutTriplet) {}

  /**
   * @param greylisted distinct triplets greylisted at least a retry window before the report's
   *     reference time (now, or the end of the period asked for)
   * @param neverCameBack of those, how many never passed
   */
  public record Effectiveness(long greylisted, long neverCameBack, long retryWindowSeconds) {
    /** There is something to measure: a triplet greylisted long enough ago. */
    public boolean measured() {
      return greylisted > 0;
    }

    /** The share that never came back; 0 when not {@link #measured()} (writers say n/a). */
    public double share() {
      return greylisted == 0 ? 0 : (double) neverCameBack / greylisted;
    }
  }

  /**
   * The waits are measured only when {@code passed > 0} (else 0, which writers show as n/a), the
   * retries only when {@code retried > 0}.
   *
   * @param passed triplets seen passing after a delay
   * @param retried of those, how many the logs show being greylisted (the retries' sample)
   * @param retriesMedian greylisted attempts before the pass, median (of the {@code retried})
   */
  public record Delays(
      long passed,
      long medianSeconds,
      long p90Seconds,
      long maxSeconds,
      long retried,
      long retriesMedian,
      long retriesMax) {}

  public record Top(String name, long count) {}

  /** Upper bounds (seconds, inclusive) of the delay histogram's buckets; a last one is open. */
  public static final List<Long> DELAY_BUCKETS =
      List.of(300L, 600L, 1800L, 3600L, 7200L, 21600L, 86400L);

  /**
   * @param label {@code 5-10m}, {@code >1d}, ...
   * @param upToSeconds the bucket's inclusive upper bound, {@code Long.MAX_VALUE} for the last
   */
  public record Bucket(String label, long upToSeconds, long count) {}
}
