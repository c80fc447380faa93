package org.greygate.report;

import java.util.Map;

/**
 * The kinds of answer {@code greygate report} counts per day or hour: the columns of the text table
 * and the CSV, the keys of the JSON's {@code categories}, the stacks of the page's chart, the list
 * in docs/operations.md. Defined here once: {@link #id} is the name scripts read, {@link #label}
 * the name people read, {@link #doc} what it counts, word for word as the docs say it.
 */
public enum Category {
  GREYLISTED("greylisted", "greylisted", "deferred: a new triplet, or a retry before the delay"),
  PASSED_LATE(
      "passed_late",
      "passed late",
      "the first pass of a greylisted triplet after the delay: the mail that waited"),
  PASSED_KNOWN("passed_known", "passed known", "a triplet that had passed before"),
  WHITELISTED(
      "whitelisted",
      "whitelisted",
      "passed as configured: a client or recipient whitelist entry, the recipient domain's policy"
          + " (`greylist=off`, `allow-sender`), a DNS allow list, `--greylist-only-listed`"),
  AUTO_WHITELISTED(
      "auto_whitelisted",
      "auto-whitelisted",
      "a client that passed greylisting often enough (the auto-whitelist)"),
  RATE_LIMITED("rate_limited", "rate-limited", "answered by a rate-limit rule"),
  FAIL_OPEN(
      "fail_open",
      "fail-open",
      "the store failed or the answer was late: the `--store-failure-action` answer, mail not"
          + " greylisted"),
  OTHER(
      "other",
      "other",
      "no greylisting question: not a recipient check, an unknown request, no policy applied");

  /** The stable name in JSON and CSV: lower case, {@code _} for spaces. */
  public final String id;

  /** The name in the text table, the page and the docs. */
  public final String label;

  /** What it counts, one line (Markdown, as docs/operations.md shows it). */
  public final String doc;

  Category(String id, String label, String doc) {
    this.id = id;
    this.label = label;
    this.doc = doc;
  }

  /**
   * Every reason greygate's policies and Postgrey log, by category (the reasons {@code new} and
   * {@code early-retry} go with the action {@code greylist}, {@code triplet found} is {@link
   * #PASSED_LATE} or {@link #PASSED_KNOWN} by its {@code delay=}, {@code limit RULE} is {@link
   * #RATE_LIMITED}). A reason not here is {@link #OTHER}; a test holds this table to the reasons
   * the source logs.
   */
  static final Map<String, Category> REASONS =
      Map.ofEntries(
          Map.entry("new", GREYLISTED),
          Map.entry("early-retry", GREYLISTED),
          Map.entry("client whitelist", WHITELISTED),
          Map.entry("recipient whitelist", WHITELISTED),
          Map.entry("sender whitelist", WHITELISTED), // the domain policy's allow-sender
          Map.entry("domain policy", WHITELISTED), // the domain policy's greylist=off
          Map.entry("dnswl", WHITELISTED),
          Map.entry("not listed", WHITELISTED), // --greylist-only-listed
          Map.entry("client AWL", AUTO_WHITELISTED),
          Map.entry("fail-open", FAIL_OPEN),
          Map.entry("unknown request", OTHER),
          Map.entry("no policy decided", OTHER),
          Map.entry("not applicable", OTHER),
          Map.entry("responder", OTHER));

  /**
   * The category of a decision.
   *
   * @param action the log's action ({@code greylist}, {@code pass}, {@code ratelimit}, or what a
   *     fail-open answer told Postfix)
   * @param afterDelay the line carries {@code delay=} (the store's counters: a {@code prepend})
   */
  public static Category of(String action, String reason, boolean afterDelay) {
    if (action.equals("greylist")) return GREYLISTED;
    if (action.equals("ratelimit")) return RATE_LIMITED;
    if (reason.equals("triplet found")) return afterDelay ? PASSED_LATE : PASSED_KNOWN;
    Category c = REASONS.get(reason);
    // "new" outside a greylist action is no greylisting (nothing logs it so)
    return c == null || c == GREYLISTED ? OTHER : c;
  }
}
