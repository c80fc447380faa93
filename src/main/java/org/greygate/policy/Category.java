package org.greygate.policy;

/**
 * The kinds of answer {@code greygate report} counts per day or hour: the columns of the text table
 * and the CSV, the keys of the JSON's {@code categories}, the stacks of the page's chart, the list
 * in docs/operations.md, and the stats line's sums. Defined here once: {@link #id} is the name
 * scripts read, {@link #label} the name people read, {@link #doc} what it counts, word for word as
 * the docs say it. Each {@link Reason} a policy logs is filed under one.
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
}
