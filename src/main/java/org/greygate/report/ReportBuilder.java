package org.greygate.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.greygate.greylist.GreylistReasons;
import org.greygate.inet.IpAddress;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;
import org.greygate.store.DecisionCount;

/**
 * Adds up decisions, from either source, into a {@link Report}. Store counters give counts per
 * hour; log lines also give triplets (so effectiveness), delays and top lists. Not thread-safe.
 */
public final class ReportBuilder {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE;
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH", Locale.ROOT);

  private final ZoneId zone;
  private final boolean hourly;
  private final long retryWindow;
  private final long from;
  private final long to;
  private final TreeMap<String, Row> periods = new TreeMap<>();
  private final Map<String, Long> totals = new TreeMap<>();
  private final Map<String, Triplet> triplets = new HashMap<>();
  private final Map<String, Long> networks = new HashMap<>();
  private final Map<String, Long> senderDomains = new HashMap<>();
  private final Map<String, Long> whitelistEntries = new HashMap<>();
  private final Map<String, Long> limitHits = new HashMap<>();
  private final Map<String, Long> limitedKeys = new HashMap<>();
  private final Map<String, Long> queueAlerts = new HashMap<>();
  private final Map<String, Long> policySets = new HashMap<>();
  private final Map<String, Long> releases = new HashMap<>();
  private String onlySet;
  private final List<Long> delays = new ArrayList<>();
  private final long reference;
  private long unparsed;
  private long skipped;
  private long undated;
  private boolean fromLogs;
  private long postgreyDecisions;
  private long unnamedWhitelisted;
  private long greylistedWithoutTriplet;
  private long firstDated = Long.MAX_VALUE;
  private long lastDated = Long.MIN_VALUE;

  /**
   * The most rows the report's span is filled to: a span longer (from a line dated in year 1, say)
   * keeps only the periods that hold decisions.
   */
  static final int MAX_FILLED_PERIODS = 100_000;

  /** A period's counts: by category, and by action and reason. */
  private static final class Row {
    final long[] categories = new long[Category.values().length];
    final Map<String, Long> counts = new TreeMap<>();
  }

  private static final class Triplet {
    long firstGreylisted = Long.MAX_VALUE;
    int greylisted;
    boolean passed;
  }

  private final Reasons reasons;

  /**
   * @param from only decisions at or after this (epoch seconds)
   * @param to only decisions before this
   * @param retryWindow a triplet greylisted less than this before {@code reference} may still come
   *     back: it is left out of the effectiveness
   * @param reference the time the effectiveness is judged at: now, or the end of the period
   */
  public ReportBuilder(
      Reasons reasons,
      ZoneId zone,
      boolean hourly,
      long from,
      long to,
      long retryWindow,
      long reference) {
    this.reasons = reasons;
    this.zone = zone;
    this.hourly = hourly;
    this.from = from;
    this.to = to;
    this.retryWindow = retryWindow;
    this.reference = reference;
  }

  /**
   * Distinct policy-set names counted; a log with more (not written by greygate) keeps counting the
   * first ones only.
   */
  static final int MAX_POLICY_SETS = 1000;

  /**
   * Only the decisions of the policy set {@code name} (the lines' {@code policy_context}) from now
   * on; lines of other sets, or of none, are left out. Log lines only: the counters do not know the
   * set.
   */
  public ReportBuilder onlyPolicySet(String name) {
    this.onlySet = name;
    return this;
  }

  /**
   * The action of the decision log's release lines ({@code action=release, origin=cli, released=3,
   * by=root}) and the outcome of the store's release counters.
   */
  static final String RELEASE = "release";

  /** A release line's count; a damaged one counts as one release. */
  private static long released(String value) {
    if (value == null || value.isEmpty() || value.length() > 18) return 1;
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') return 1;
    }
    return Long.parseLong(value);
  }

  /** A persisted counter: outcome kinds are read as the log's actions. */
  public void add(DecisionCount c) {
    if (c.hour() + 3600 <= from || c.hour() >= to) return;
    if (c.outcome().equals(RELEASE)) {
      // greygate release: rows changed for later attempts, not an answer to a request
      releases.merge(c.reason(), c.count(), Long::sum);
      return;
    }
    String action = actionOf(c.outcome(), c.reason());
    count(c.hour(), action, c.reason(), c.outcome().equals("prepend"), c.count(), null);
    if (action.equals("ratelimit")) {
      limitHits.merge(reasons.member(c.reason()), c.count(), Long::sum);
    }
  }

  /**
   * A line of a log: a decision, something else (counted as unparsed), or a line of greygate's or
   * Postgrey's that does not parse (counted as skipped).
   */
  public void add(String line, java.time.LocalDate today) {
    fromLogs = true;
    LineRead read = LogLine.read(line, zone, today);
    if (read instanceof LineRead.Unreadable) {
      skipped++;
      return;
    }
    if (!(read instanceof LogLine l)) {
      unparsed++;
      return;
    }
    long t = l.epochSecond();
    if (t != Long.MIN_VALUE && (t < from || t >= to)) return;
    String set = l.fields().get("policy_context");
    if (onlySet != null && !onlySet.equals(set)) return;
    String action = l.action();
    if (action.equals("queue-alert")) {
      // the queue watch's lines share the log; they are alerts, not answers to requests
      String queue = l.fields().get("queue");
      String alert = l.fields().getOrDefault("alert", "?");
      queueAlerts.merge(queue == null ? alert : alert + " " + queue, 1L, Long::sum);
      return;
    }
    if (action.equals("queue-clear") || action.equals("queue-tool")) return; // not requests
    if (action.equals(RELEASE)) {
      long n = released(l.fields().get("released"));
      String origin = l.fields().getOrDefault("origin", "?");
      String by = l.fields().get("by");
      releases.merge(by == null ? origin : origin + " by " + by, n, Long::sum);
      return;
    }
    if (set != null && (policySets.size() < MAX_POLICY_SETS || policySets.containsKey(set))) {
      policySets.merge(set, 1L, Long::sum);
    }
    String reason = l.reason();
    boolean afterDelay = l.fields().containsKey("delay");
    if (l.postgrey()) postgreyDecisions++;
    Category category = reasons.category(action, reason, afterDelay);
    count(t, action, reason, afterDelay, 1, category);
    if (action.equals("ratelimit")) {
      String rule = l.fields().getOrDefault("rule", reasons.member(reason));
      limitHits.merge(rule, 1L, Long::sum);
      String key = l.fields().get("key");
      if (key != null) limitedKeys.merge(rule + " " + key, 1L, Long::sum);
      return;
    }
    if (category == Category.WHITELISTED) {
      List<String> entries = entries(reason, l.fields());
      if (entries == null) {
        unnamedWhitelisted++;
      } else {
        for (String e : entries) whitelistEntries.merge(e, 1L, Long::sum);
      }
    }
    String key = tripletKey(l.fields());
    if (key == null) {
      if (category == Category.GREYLISTED) greylistedWithoutTriplet++;
      return;
    }
    if (action.equals("greylist")) {
      Triplet tr = triplets.computeIfAbsent(key, k -> new Triplet());
      tr.greylisted++;
      if (t != Long.MIN_VALUE) tr.firstGreylisted = Math.min(tr.firstGreylisted, t);
      networks.merge(key.substring(0, key.indexOf('|')), 1L, Long::sum);
      String sender = l.fields().getOrDefault("sender", "");
      String domain = sender.isEmpty() ? "<>" : sender.substring(sender.lastIndexOf('@') + 1);
      senderDomains.merge(domain.toLowerCase(Locale.ROOT), 1L, Long::sum);
    } else if (afterDelay && GreylistReasons.TRIPLET_FOUND.matches(reason)) {
      Triplet tr = triplets.computeIfAbsent(key, k -> new Triplet());
      if (!tr.passed) {
        tr.passed = true;
        try {
          delays.add(Long.parseLong(l.fields().get("delay")));
        } catch (NumberFormatException e) {
          // a damaged delay field: the pass counts, its delay does not
        }
      }
    }
  }

  /**
   * The configured entries a whitelisted pass names, each with the list it is in: {@code google.com
   * (clients)}, {@code postmaster@ (recipients)}, {@code @bank.example (allow-sender)}, {@code
   * example.org (greylist=off)}, {@code list.dnswl.org (dnswl)}. An empty list when the reason has
   * no entry ({@code not listed}), null when the line should name one and does not (Postgrey's
   * lines).
   */
  List<String> entries(String reason, Map<String, String> fields) {
    Reason r = reasons.find(reason);
    if (r == null || r.entryField() == null) return List.of();
    String value = fields.get(r.entryField());
    if (value == null || value.isEmpty()) return null;
    String list = " (" + r.entryList() + ")";
    if (!r.entries()) return List.of(value + list);
    List<String> out = new ArrayList<>();
    for (String entry : value.split(",")) {
      if (!entry.isEmpty()) out.add(entry + list);
    }
    return out;
  }

  private void count(
      long t, String action, String reason, boolean afterDelay, long n, Category category) {
    String pair = action + "/" + reason;
    totals.merge(pair, n, Long::sum);
    if (t == Long.MIN_VALUE) {
      undated += n;
      return;
    }
    firstDated = Math.min(firstDated, t);
    lastDated = Math.max(lastDated, t);
    Row row = periods.computeIfAbsent(period(t), p -> new Row());
    row.counts.merge(pair, n, Long::sum);
    Category c = category != null ? category : reasons.category(action, reason, afterDelay);
    row.categories[c.ordinal()] += n;
  }

  private String period(long t) {
    ZonedDateTime at = Instant.ofEpochSecond(t).atZone(zone);
    return hourly ? HOUR.format(at) : DAY.format(at);
  }

  /**
   * Every day or hour of the report's span gets a row, so a quiet one shows as zeros instead of
   * vanishing: from {@code from} (or the first decision) to the end of the period asked for (or the
   * last decision). A span of more than {@link #MAX_FILLED_PERIODS} rows is left as it is.
   */
  private void fill() {
    if (firstDated == Long.MAX_VALUE) return; // no decision: nothing to draw
    boolean bounded = from != Long.MIN_VALUE || to != Long.MAX_VALUE;
    long start = Math.min(firstDated, from != Long.MIN_VALUE ? from : firstDated);
    long end = bounded ? Math.max(lastDated, Math.min(to, reference) - 1) : lastDated;
    if (!fits(start, end)) {
      start = firstDated;
      end = lastDated;
      if (!fits(start, end)) return;
    }
    ZonedDateTime at = Instant.ofEpochSecond(start).atZone(zone);
    at =
        hourly
            ? at.truncatedTo(java.time.temporal.ChronoUnit.HOURS)
            : at.toLocalDate().atStartOfDay(zone);
    while (at.toEpochSecond() <= end) {
      periods.computeIfAbsent(hourly ? HOUR.format(at) : DAY.format(at), p -> new Row());
      at = hourly ? at.plusHours(1) : at.toLocalDate().plusDays(1).atStartOfDay(zone);
    }
  }

  private boolean fits(long start, long end) {
    long span = end - start; // negative when it overflows: too long
    return span >= 0 && span <= (hourly ? 3600L : 86_400L) * (MAX_FILLED_PERIODS - 2);
  }

  private String actionOf(String outcome, String reason) {
    Reason r = reasons.find(reason);
    if (r != null && r.category() == Category.RATE_LIMITED) return "ratelimit";
    if (outcome.equals("defer") && r != null && r.category() == Category.GREYLISTED) {
      return "greylist";
    }
    return switch (outcome) {
      case "dunno", "ok", "prepend", "warn" -> "pass";
      default -> outcome;
    };
  }

  /** Client network (/24, /64), sender and recipient, lower-cased, as greylisting groups them. */
  private static String tripletKey(Map<String, String> f) {
    String address = f.get("client_address");
    String recipient = f.get("recipient");
    if (address == null || recipient == null) return null;
    IpAddress ip = IpAddress.parse(address);
    String net =
        ip == null
            ? address
            : ip.network(ip.isV4() ? 24 : 64).toString() + (ip.isV4() ? "/24" : "/64");
    return net
        + "|"
        + f.getOrDefault("sender", "").toLowerCase(Locale.ROOT)
        + "|"
        + recipient.toLowerCase(Locale.ROOT);
  }

  /**
   * The report reads logs, even if they hold no line: its lists are then the logs' (empty ones say
   * why), not the counters' (which keep no names).
   */
  public void readingLogs() {
    fromLogs = true;
  }

  /** Lines the reader dropped unread (longer than it keeps): counted as skipped. */
  public void skip(long lines) {
    fromLogs = true;
    skipped += lines;
  }

  public Report build(String source) {
    fill();
    List<Report.Period> rows = new ArrayList<>();
    for (var e : periods.entrySet()) {
      Map<Category, Long> categories = new EnumMap<>(Category.class);
      for (Category c : Category.values()) categories.put(c, e.getValue().categories[c.ordinal()]);
      rows.add(
          new Report.Period(
              e.getKey(),
              Collections.unmodifiableMap(categories),
              Collections.unmodifiableMap(e.getValue().counts)));
    }
    Report.Effectiveness eff = null;
    Report.Delays d = null;
    List<Report.Bucket> histogram = List.of();
    if (fromLogs) {
      histogram = histogram(delays);
      long settled = 0;
      long never = 0;
      long[] retries = new long[triplets.size()];
      int r = 0;
      for (Triplet t : triplets.values()) {
        if (t.greylisted > 0 && t.passed) retries[r++] = t.greylisted;
        if (t.greylisted == 0 || t.firstGreylisted == Long.MAX_VALUE) continue;
        if (t.firstGreylisted > reference - retryWindow) continue; // may still come back
        settled++;
        if (!t.passed) never++;
      }
      eff = new Report.Effectiveness(settled, never, retryWindow);
      long[] sorted = delays.stream().mapToLong(Long::longValue).sorted().toArray();
      long[] tries = Arrays.copyOf(retries, r);
      Arrays.sort(tries);
      d =
          new Report.Delays(
              sorted.length,
              percentile(sorted, 50),
              percentile(sorted, 90),
              sorted.length == 0 ? 0 : sorted[sorted.length - 1],
              tries.length,
              percentile(tries, 50),
              tries.length == 0 ? 0 : tries[tries.length - 1]);
    }
    return new Report(
        source,
        hourly,
        rows,
        totals,
        eff,
        d,
        top(networks),
        top(senderDomains),
        top(whitelistEntries),
        top(limitHits),
        top(limitedKeys),
        top(queueAlerts),
        top(policySets),
        top(releases),
        histogram,
        unparsed,
        skipped,
        undated,
        fromLogs
            ? new Report.LogGaps(postgreyDecisions, unnamedWhitelisted, greylistedWithoutTriplet)
            : null);
  }

  /** 300 -> 5m, 3600 -> 1h, 86400 -> 1d: a bucket bound, short. */
  private static String span(long seconds) {
    if (seconds % 86400 == 0) return seconds / 86400 + "d";
    if (seconds % 3600 == 0) return seconds / 3600 + "h";
    return seconds / 60 + "m";
  }

  static List<Report.Bucket> histogram(List<Long> delays) {
    List<Long> bounds = Report.DELAY_BUCKETS;
    long[] counts = new long[bounds.size() + 1];
    for (long delay : delays) {
      int i = 0;
      while (i < bounds.size() && delay > bounds.get(i)) i++;
      counts[i]++;
    }
    List<Report.Bucket> out = new ArrayList<>();
    long lower = 0;
    for (int i = 0; i <= bounds.size(); i++) {
      long upper = i < bounds.size() ? bounds.get(i) : Long.MAX_VALUE;
      String label =
          upper == Long.MAX_VALUE
              ? ">" + span(lower)
              : lower == 0 ? "<=" + span(upper) : span(lower) + "-" + span(upper);
      out.add(new Report.Bucket(label, upper, counts[i]));
      lower = upper;
    }
    return out;
  }

  private static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) return 0;
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static List<Report.Top> top(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .sorted(
            Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue)
                .reversed()
                .thenComparing(Map.Entry::getKey))
        .limit(10)
        .map(e -> new Report.Top(e.getKey(), e.getValue()))
        .toList();
  }
}
