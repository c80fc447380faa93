package org.greygate.report;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.greygate.inet.IpAddress;
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
  private final TreeMap<String, Map<String, Long>> periods = new TreeMap<>();
  private final Map<String, Long> totals = new TreeMap<>();
  private final Map<String, Triplet> triplets = new HashMap<>();
  private final Map<String, Long> networks = new HashMap<>();
  private final Map<String, Long> senderDomains = new HashMap<>();
  private final Map<String, Long> whitelistEntries = new HashMap<>();
  private final Map<String, Long> limitHits = new HashMap<>();
  private final Map<String, Long> limitedKeys = new HashMap<>();
  private final Map<String, Long> queueAlerts = new HashMap<>();
  private final List<Long> delays = new ArrayList<>();
  private final long reference;
  private long unparsed;
  private long skipped;
  private long undated;
  private boolean fromLogs;

  private static final class Triplet {
    long firstGreylisted = Long.MAX_VALUE;
    int greylisted;
    boolean passed;
  }

  /**
   * @param from only decisions at or after this (epoch seconds)
   * @param to only decisions before this
   * @param retryWindow a triplet greylisted less than this before {@code reference} may still come
   *     back: it is left out of the effectiveness
   * @param reference the time the effectiveness is judged at: now, or the end of the period
   */
  public ReportBuilder(
      ZoneId zone, boolean hourly, long from, long to, long retryWindow, long reference) {
    this.zone = zone;
    this.hourly = hourly;
    this.from = from;
    this.to = to;
    this.retryWindow = retryWindow;
    this.reference = reference;
  }

  /** A persisted counter: outcome kinds are read as the log's actions. */
  public void add(DecisionCount c) {
    if (c.hour() + 3600 <= from || c.hour() >= to) return;
    String action = actionOf(c.outcome(), c.reason());
    count(c.hour(), action, c.reason(), c.outcome().equals("prepend"), c.count());
    if (action.equals("ratelimit")) {
      limitHits.merge(c.reason().substring("limit ".length()), c.count(), Long::sum);
    }
  }

  /**
   * A line of a log: a decision, something else (counted as unparsed), or a line of greygate's or
   * Postgrey's that does not parse (counted as skipped).
   */
  public void add(String line, java.time.LocalDate today) {
    LineRead read = LogLine.read(line, zone, today);
    if (read instanceof LineRead.Unreadable) {
      skipped++;
      return;
    }
    if (!(read instanceof LogLine l)) {
      unparsed++;
      return;
    }
    fromLogs = true;
    long t = l.epochSecond();
    if (t != Long.MIN_VALUE && (t < from || t >= to)) return;
    String action = l.action();
    if (action.equals("queue-alert")) {
      // the queue watch's lines share the log; they are alerts, not answers to requests
      String queue = l.fields().get("queue");
      String alert = l.fields().getOrDefault("alert", "?");
      queueAlerts.merge(queue == null ? alert : alert + " " + queue, 1L, Long::sum);
      return;
    }
    if (action.equals("queue-clear")) return;
    String reason = l.reason();
    boolean afterDelay = l.fields().containsKey("delay");
    count(t, action, reason, afterDelay, 1);
    if (action.equals("ratelimit")) {
      String rule = l.fields().getOrDefault("rule", reason.replaceFirst("^limit ", ""));
      limitHits.merge(rule, 1L, Long::sum);
      String key = l.fields().get("key");
      if (key != null) limitedKeys.merge(rule + " " + key, 1L, Long::sum);
      return;
    }
    String entry = l.fields().get("whitelist");
    if (entry != null && category(action, reason, afterDelay).equals("whitelisted")) {
      String list = reason.startsWith("client") ? "clients" : "recipients";
      whitelistEntries.merge(entry + " (" + list + ")", 1L, Long::sum);
    }
    String key = tripletKey(l.fields());
    if (key == null) return;
    if (action.equals("greylist")) {
      Triplet tr = triplets.computeIfAbsent(key, k -> new Triplet());
      tr.greylisted++;
      if (t != Long.MIN_VALUE) tr.firstGreylisted = Math.min(tr.firstGreylisted, t);
      networks.merge(key.substring(0, key.indexOf('|')), 1L, Long::sum);
      String sender = l.fields().getOrDefault("sender", "");
      String domain = sender.isEmpty() ? "<>" : sender.substring(sender.lastIndexOf('@') + 1);
      senderDomains.merge(domain.toLowerCase(Locale.ROOT), 1L, Long::sum);
    } else if (afterDelay && reason.equals("triplet found")) {
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

  private void count(long t, String action, String reason, boolean afterDelay, long n) {
    String pair = action + "/" + reason;
    totals.merge(pair, n, Long::sum);
    if (t == Long.MIN_VALUE) {
      undated += n;
      return;
    }
    ZonedDateTime at = Instant.ofEpochSecond(t).atZone(zone);
    String period = hourly ? HOUR.format(at) : DAY.format(at);
    Map<String, Long> row = periods.computeIfAbsent(period, p -> new HashMap<>());
    row.merge(pair, n, Long::sum);
    row.merge("#" + category(action, reason, afterDelay), n, Long::sum);
  }

  /**
   * Passes without greylisting that the configuration asked for: the whitelists, the recipient
   * domain's policy, and the DNS allow lists.
   */
  static final java.util.Set<String> WHITELIST_REASONS =
      java.util.Set.of(
          "client whitelist",
          "recipient whitelist",
          "sender whitelist",
          "domain policy",
          "dnswl",
          "not listed");

  static String category(String action, String reason, boolean afterDelay) {
    if (action.equals("greylist")) return "greylisted";
    if (reason.equals("fail-open")) return "fail-open";
    if (reason.equals("triplet found")) return afterDelay ? "passed after delay" : "passed known";
    if (WHITELIST_REASONS.contains(reason)) return "whitelisted";
    if (reason.equals("client AWL")) return "auto-whitelisted";
    if (action.equals("ratelimit")) return "rate-limited";
    return "other";
  }

  private static String actionOf(String outcome, String reason) {
    if (reason.startsWith("limit ") && reason.length() > 6) return "ratelimit";
    if (outcome.equals("defer") && (reason.equals("new") || reason.equals("early-retry"))) {
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

  /** Lines the reader dropped unread (longer than it keeps): counted as skipped. */
  public void skip(long lines) {
    skipped += lines;
  }

  public Report build(String source) {
    List<Report.Period> rows = new ArrayList<>();
    for (var e : periods.entrySet()) {
      Map<String, Long> categories = new LinkedHashMap<>();
      Map<String, Long> counts = new TreeMap<>();
      for (String c : Report.CATEGORIES) categories.put(c, e.getValue().getOrDefault("#" + c, 0L));
      e.getValue()
          .forEach(
              (k, v) -> {
                if (!k.startsWith("#")) counts.put(k, v);
              });
      rows.add(new Report.Period(e.getKey(), categories, counts));
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
        histogram,
        unparsed,
        skipped,
        undated);
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
