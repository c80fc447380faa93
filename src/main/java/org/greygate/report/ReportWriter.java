package org.greygate.report;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import org.greygate.logline.LineFormat;

/** Writes a {@link Report} as a table for a terminal, as JSON, or as CSV. */
public final class ReportWriter {
  private ReportWriter() {}

  public enum Format {
    TEXT,
    JSON,
    CSV
  }

  public static void write(Report r, Format format, PrintWriter out) {
    switch (format) {
      case TEXT -> text(r, out);
      case JSON -> json(r, out);
      case CSV -> csv(r, out);
      default -> throw new IllegalArgumentException("unknown format " + format);
    }
    out.flush();
  }

  /** The report as one self-contained web page (see {@code HtmlReport}). */
  public static void writeHtml(Report r, PrintWriter out) {
    HtmlReport.write(r, out);
  }

  private static void text(Report r, PrintWriter out) {
    out.println("greygate report: " + r.source());
    out.println();
    String first = r.hourly() ? "hour" : "day";
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-13s", first));
    for (String c : Report.CATEGORIES)
      head.append(String.format(Locale.ROOT, " %12s", shortName(c)));
    head.append(String.format(Locale.ROOT, " %10s", "total"));
    out.println(head);
    long[] sums = new long[Report.CATEGORIES.size() + 1];
    for (Report.Period p : r.periods()) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-13s", p.start()));
      int i = 0;
      for (String c : Report.CATEGORIES) {
        long n = p.categories().get(c);
        sums[i++] += n;
        row.append(String.format(Locale.ROOT, " %,12d", n));
      }
      sums[i] += p.total();
      row.append(String.format(Locale.ROOT, " %,10d", p.total()));
      out.println(row);
    }
    if (r.periods().isEmpty()) {
      out.println("(no decisions in this period)");
    } else {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-13s", "all"));
      for (int i = 0; i < Report.CATEGORIES.size(); i++) {
        row.append(String.format(Locale.ROOT, " %,12d", sums[i]));
      }
      row.append(String.format(Locale.ROOT, " %,10d", sums[sums.length - 1]));
      out.println(row);
    }
    out.println();
    out.println("by action and reason:");
    for (Map.Entry<String, Long> e : r.totals().entrySet()) {
      int slash = e.getKey().indexOf('/');
      out.printf(
          Locale.ROOT,
          "  %-10s %-22s %,12d%n",
          e.getKey().substring(0, slash),
          e.getKey().substring(slash + 1),
          e.getValue());
    }
    if (r.effectiveness() != null) {
      Report.Effectiveness f = r.effectiveness();
      out.println();
      out.printf(
          Locale.ROOT,
          "effectiveness: %,d of %,d greylisted triplets never came back (%.1f%%): mail stopped"
              + " without looking at it (triplets greylisted in the last %d h are left out: they may"
              + " still come back)%n",
          f.neverCameBack(),
          f.greylisted(),
          100 * f.share(),
          f.retryWindowSeconds() / 3600);
    }
    if (r.delays() != null && r.delays().passed() > 0) {
      Report.Delays d = r.delays();
      out.printf(
          Locale.ROOT,
          "delay of mail that passed (%,d triplets): median %s, 90%% within %s, longest %s;"
              + " greylisted attempts before passing: median %d, most %d%n",
          d.passed(),
          duration(d.medianSeconds()),
          duration(d.p90Seconds()),
          duration(d.maxSeconds()),
          d.retriesMedian(),
          d.retriesMax());
    }
    if (r.delays() != null && r.delays().passed() > 0) {
      StringBuilder h = new StringBuilder("  waited:");
      for (Report.Bucket b : r.delayHistogram()) {
        h.append(String.format(Locale.ROOT, "  %s %,d", b.label(), b.count()));
      }
      out.println(h);
    }
    top(out, "client networks greylisted most", r.topNetworks());
    top(out, "sender domains greylisted most", r.topSenderDomains());
    top(out, "whitelist entries that let most requests through", r.topWhitelistEntries());
    top(out, "rate-limit answers by rule", r.rateLimitHits());
    top(out, "keys rate limits answered most (rule key)", r.topLimitedKeys());
    top(out, "queue watch alerts (alert queue)", r.queueAlerts());
    if (r.unparsed() > 0 || r.undated() > 0) {
      out.println();
      out.printf(
          Locale.ROOT,
          "%,d lines held no decision; %,d decisions had no readable time (in the totals only)%n",
          r.unparsed(),
          r.undated());
    }
  }

  private static void top(PrintWriter out, String title, java.util.List<Report.Top> top) {
    if (top.isEmpty()) return;
    out.println();
    out.println(title + ":");
    for (Report.Top t : top) out.printf(Locale.ROOT, "  %-40s %,10d%n", t.name(), t.count());
  }

  private static String shortName(String category) {
    return switch (category) {
      case "passed after delay" -> "passed late";
      case "auto-whitelisted" -> "auto-wl";
      case "rate-limited" -> "limited";
      default -> category;
    };
  }

  static String duration(long seconds) {
    if (seconds < 120) return seconds + " s";
    if (seconds < 7200) return (seconds / 60) + " min";
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
  }

  private static void csv(Report r, PrintWriter out) {
    out.println(r.hourly() ? "hour,action,reason,count" : "day,action,reason,count");
    for (Report.Period p : r.periods()) {
      for (Map.Entry<String, Long> e : p.counts().entrySet()) {
        int slash = e.getKey().indexOf('/');
        out.println(
            p.start()
                + ","
                + csvField(e.getKey().substring(0, slash))
                + ","
                + csvField(e.getKey().substring(slash + 1))
                + ","
                + e.getValue());
      }
    }
  }

  private static String csvField(String v) {
    return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
  }

  private static void json(Report r, PrintWriter out) {
    StringBuilder b = new StringBuilder();
    b.append("{\"source\":").append(str(r.source()));
    b.append(",\"period\":").append(str(r.hourly() ? "hour" : "day"));
    b.append(",\"periods\":[");
    for (int i = 0; i < r.periods().size(); i++) {
      Report.Period p = r.periods().get(i);
      if (i > 0) b.append(',');
      b.append("{\"start\":").append(str(p.start()));
      b.append(",\"categories\":").append(map(p.categories()));
      b.append(",\"counts\":").append(map(p.counts())).append('}');
    }
    b.append("],\"totals\":").append(map(r.totals()));
    if (r.effectiveness() != null) {
      Report.Effectiveness f = r.effectiveness();
      b.append(",\"effectiveness\":{\"greylisted\":")
          .append(f.greylisted())
          .append(",\"never_came_back\":")
          .append(f.neverCameBack())
          .append(",\"share\":")
          .append(String.format(Locale.ROOT, "%.4f", f.share()))
          .append(",\"retry_window_seconds\":")
          .append(f.retryWindowSeconds())
          .append('}');
    }
    if (r.delays() != null) {
      Report.Delays d = r.delays();
      b.append(",\"delays\":{\"passed\":").append(d.passed());
      b.append(",\"median_seconds\":").append(d.medianSeconds());
      b.append(",\"p90_seconds\":").append(d.p90Seconds());
      b.append(",\"max_seconds\":").append(d.maxSeconds());
      b.append(",\"retries_median\":").append(d.retriesMedian());
      b.append(",\"retries_max\":").append(d.retriesMax());
      b.append(",\"histogram\":[");
      for (int i = 0; i < r.delayHistogram().size(); i++) {
        Report.Bucket k = r.delayHistogram().get(i);
        if (i > 0) b.append(',');
        b.append("{\"label\":").append(str(k.label()));
        if (k.upToSeconds() != Long.MAX_VALUE) {
          b.append(",\"up_to_seconds\":").append(k.upToSeconds());
        }
        b.append(",\"count\":").append(k.count()).append('}');
      }
      b.append("]}");
    }
    b.append(",\"top_networks\":").append(tops(r.topNetworks()));
    b.append(",\"top_sender_domains\":").append(tops(r.topSenderDomains()));
    b.append(",\"top_whitelist_entries\":").append(tops(r.topWhitelistEntries()));
    b.append(",\"rate_limit_hits\":").append(tops(r.rateLimitHits()));
    b.append(",\"top_limited_keys\":").append(tops(r.topLimitedKeys()));
    b.append(",\"queue_alerts\":").append(tops(r.queueAlerts()));
    b.append(",\"unparsed_lines\":").append(r.unparsed());
    b.append(",\"undated_decisions\":").append(r.undated()).append('}');
    out.println(b);
  }

  private static String tops(java.util.List<Report.Top> top) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < top.size(); i++) {
      if (i > 0) b.append(',');
      b.append("{\"name\":").append(str(top.get(i).name()));
      b.append(",\"count\":").append(top.get(i).count()).append('}');
    }
    return b.append(']').toString();
  }

  private static String map(Map<String, Long> m) {
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Long> e : m.entrySet()) {
      if (!first) b.append(',');
      first = false;
      b.append(str(e.getKey())).append(':').append(e.getValue());
    }
    return b.append('}').toString();
  }

  /** A JSON string: quotes, backslashes and control characters escaped. */
  static String str(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    LineFormat.string(b, s);
    return b.toString();
  }
}
