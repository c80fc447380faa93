package org.greygate.report;

import java.util.List;
import java.util.Map;

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
 * @param delayHistogram how long passed mail waited, in {@link #DELAY_BUCKETS} (logs only; empty
 *     otherwise)
 * @param unparsed log lines that hold no decision (other programs' lines, greygate's other lines)
 * @param skipped log lines that could not be read: longer than a log line can be, or a line of
 *     greygate's or Postgrey's whose decision does not parse (damaged, or not written by them)
 * @param undated decision lines without a readable time (counted in the totals only)
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
    List<Bucket> delayHistogram,
    long unparsed,
    long skipped,
    long undated) {

  /** The columns every period shows, in order. */
  public static final List<String> CATEGORIES =
      List.of(
          "greylisted",
          "passed after delay",
          "passed known",
          "whitelisted",
          "auto-whitelisted",
          "fail-open",
          "rate-limited",
          "other");

  /**
   * @param start ISO date ({@code 2026-12-03}) or date and hour ({@code 2026-12-03T14})
   * @param categories counts by {@link #CATEGORIES}
   * @param counts counts by {@code action/reason}
   */
  public record Period(String start, Map<String, Long> categories, Map<String, Long> counts) {
    public long total() {
      return categories.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * @param greylisted distinct triplets greylisted at least a retry window before the report's
   *     reference time (now, or the end of the period asked for)
   * @param neverCameBack of those, how many never passed
   */
  public record Effectiveness(long greylisted, long neverCameBack, long retryWindowSeconds) {
    public double share() {
      return greylisted == 0 ? 0 : (double) neverCameBack / greylisted;
    }
  }

  /**
   * @param passed triplets seen passing after a delay
   * @param retriesMedian greylisted attempts before the pass, median (of those whose greylisting
   *     the logs show)
   */
  public record Delays(
      long passed,
      long medianSeconds,
      long p90Seconds,
      long maxSeconds,
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
