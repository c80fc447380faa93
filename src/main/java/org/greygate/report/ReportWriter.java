package org.greygate.report;

import static org.greygate.logline.TerminalText.visible;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.greygate.logline.TerminalText;
import org.greygate.policy.Category;

/**
 * Writes a {@link Report} as a table for a terminal, as JSON, or as CSV. The values come from logs
 * and stores that remote clients wrote into: the table and the CSV show control characters as
 * {@code \xHH}, the JSON escapes them, so none reaches a terminal that would obey it.
 */
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
    out.println("greygate report: " + visible(r.source()));
    out.println();
    Category[] categories = Category.values();
    StringBuilder head =
        new StringBuilder(String.format(Locale.ROOT, "%-13s", r.hourly() ? "hour" : "day"));
    for (Category c : categories) {
      head.append(String.format(Locale.ROOT, " %" + width(c) + "s", c.label));
    }
    head.append(String.format(Locale.ROOT, " %10s", "total"));
    out.println(head);
    for (Report.Period p : r.periods()) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-13s", p.start()));
      for (Category c : categories) {
        row.append(String.format(Locale.ROOT, " %," + width(c) + "d", p.get(c)));
      }
      row.append(String.format(Locale.ROOT, " %,10d", p.total()));
      out.println(row);
    }
    if (r.periods().isEmpty()) {
      out.println("(no decisions in this period)");
    } else {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-13s", "all"));
      long all = 0;
      for (Category c : categories) {
        long n = r.total(c);
        all += n;
        row.append(String.format(Locale.ROOT, " %," + width(c) + "d", n));
      }
      row.append(String.format(Locale.ROOT, " %,10d", all));
      out.println(row);
    }
    out.println();
    out.println("by action and reason:");
    for (Map.Entry<String, Long> e : r.totals().entrySet()) {
      int slash = e.getKey().indexOf('/');
      out.printf(
          Locale.ROOT,
          "  %-10s %-22s %,12d%n",
          visible(e.getKey().substring(0, slash)),
          visible(e.getKey().substring(slash + 1)),
          e.getValue());
    }
    if (r.effectiveness() != null) {
      out.println();
      out.println("effectiveness: " + effectiveness(r.effectiveness()));
    }
    if (r.delays() != null) {
      Report.Delays d = r.delays();
      if (d.passed() == 0) {
        out.println("delay of mail that passed: " + NO_DELAYS);
      } else {
        out.printf(
            Locale.ROOT,
            "delay of mail that passed (%,d triplets): median %s, 90%% within %s, longest %s;"
                + " greylisted attempts before passing: %s%n",
            d.passed(),
            duration(d.medianSeconds()),
            duration(d.p90Seconds()),
            duration(d.maxSeconds()),
            retries(d));
        StringBuilder h = new StringBuilder("  waited:");
        for (Report.Bucket b : r.delayHistogram()) {
          h.append(String.format(Locale.ROOT, "  %s %,d", b.label(), b.count()));
        }
        out.println(h);
      }
    }
    top(out, "client networks greylisted most", r.topNetworks());
    top(out, "sender domains greylisted most", r.topSenderDomains());
    top(out, "whitelist entries that let most requests through", r.topWhitelistEntries());
    top(out, "rate-limit answers by rule", r.rateLimitHits());
    top(out, "keys rate limits answered most (rule key)", r.topLimitedKeys());
    top(out, "queue watch alerts (alert queue)", r.queueAlerts());
    top(out, "decisions by policy set (policy_context)", r.policySets());
    top(out, "greylisted triplets released (who asked)", r.releases());
    List<String> gaps = gaps(r);
    if (!gaps.isEmpty()) out.println();
    for (String g : gaps) out.println(g);
    if (r.unparsed() > 0 || r.undated() > 0) {
      out.println();
      out.printf(
          Locale.ROOT,
          "%,d lines held no decision; %,d decisions had no readable time (in the totals only)%n",
          r.unparsed(),
          r.undated());
    }
    if (r.skipped() > 0) {
      out.printf(
          Locale.ROOT,
          "%,d lines skipped: longer than 64 KiB, or greygate's or Postgrey's lines whose decision"
              + " does not parse%n",
          r.skipped());
    }
  }

  /** A text column as wide as its label, at least 7 (a million with its comma). */
  private static int width(Category c) {
    return Math.max(7, c.label.length());
  }

  static final String NO_DELAYS = "n/a (no greylisted mail passed in this period)";

  /** The effectiveness in words, or n/a when no triplet is old enough to tell. */
  static String effectiveness(Report.Effectiveness f) {
    if (!f.measured()) {
      return String.format(
          Locale.ROOT,
          "n/a (no triplet greylisted %d h or more before the end of the period: none is old enough"
              + " to tell whether it came back)",
          f.retryWindowSeconds() / 3600);
    }
    return String.format(
        Locale.ROOT,
        "%,d of %,d greylisted triplets never came back (%.1f%%): mail stopped without looking at"
            + " it (triplets greylisted in the last %d h are left out: they may still come back)",
        f.neverCameBack(),
        f.greylisted(),
        100 * f.share(),
        f.retryWindowSeconds() / 3600);
  }

  static String retries(Report.Delays d) {
    return d.retried() == 0
        ? "n/a (the logs do not show these triplets being greylisted)"
        : String.format(Locale.ROOT, "median %d, most %d", d.retriesMedian(), d.retriesMax());
  }

  /** What the logs did not name, one sentence each; empty for counters or complete logs. */
  static List<String> gaps(Report r) {
    List<String> out = new ArrayList<>();
    Report.LogGaps g = r.gaps();
    if (g == null) return out;
    if (g.unnamedWhitelisted() > 0) out.add(unnamedWhitelisted(g));
    if (g.greylistedWithoutTriplet() > 0) {
      out.add(
          String.format(
              Locale.ROOT,
              "%,d greylisted decisions name no client address or recipient: counted, but in no"
                  + " triplet, effectiveness or top list",
              g.greylistedWithoutTriplet()));
    }
    return out;
  }

  static String unnamedWhitelisted(Report.LogGaps g) {
    return String.format(
        Locale.ROOT,
        "%,d whitelisted passes name no entry%s: counted as whitelisted, not in the list of entries",
        g.unnamedWhitelisted(),
        g.postgreyDecisions() > 0
            ? " (Postgrey's lines do not say which whitelist entry matched; greygate's do)"
            : "");
  }

  private static void top(PrintWriter out, String title, java.util.List<Report.Top> top) {
    if (top.isEmpty()) return;
    out.println();
    out.println(title + ":");
    for (Report.Top t : top) {
      out.printf(Locale.ROOT, "  %-40s %,10d%n", visible(t.name()), t.count());
    }
  }

  static String duration(long seconds) {
    if (seconds < 120) return seconds + " s";
    if (seconds < 7200) return (seconds / 60) + " min";
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
  }

  /**
   * One row a day (or hour), quiet ones as zeros, one column per {@link Category} and the total: a
   * spreadsheet opens it as the table the text shows and charts it as it is, on an honest time
   * axis. The counts by action and reason are in the JSON.
   */
  private static void csv(Report r, PrintWriter out) {
    StringBuilder head = new StringBuilder(r.hourly() ? "hour" : "day");
    for (Category c : Category.values()) head.append(',').append(c.id);
    out.println(head.append(",total"));
    for (Report.Period p : r.periods()) {
      StringBuilder row = new StringBuilder(p.start());
      for (Category c : Category.values()) row.append(',').append(p.get(c));
      out.println(row.append(',').append(p.total()));
    }
  }

  /** A CSV field (RFC 4180), control characters shown as {@code \xHH}: one row a line. */
  static String csvField(String value) {
    String v = visible(value);
    return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
  }

  private static final JsonFactory JSON =
      new JsonFactoryBuilder().characterEscapes(new TerminalEscapes()).build();

  /**
   * JSON's own escapes, and DEL and what {@link TerminalText} shows escaped too (C1 controls, line
   * separators, bidirectional overrides): the report is valid JSON and safe to print on a terminal.
   */
  private static final class TerminalEscapes extends CharacterEscapes {
    private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

    TerminalEscapes() {
      ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      if (ch >= 0x80 && ch <= 0xffff && TerminalText.control((char) ch)) {
        return new SerializedString(String.format(Locale.ROOT, "\\u%04x", ch));
      }
      return null;
    }
  }

  private static void json(Report r, PrintWriter out) {
    try {
      JsonGenerator g = JSON.createGenerator(out);
      g.writeStartObject();
      g.writeStringField("source", r.source());
      g.writeStringField("period", r.hourly() ? "hour" : "day");
      g.writeArrayFieldStart("periods");
      for (Report.Period p : r.periods()) {
        g.writeStartObject();
        g.writeStringField("start", p.start());
        g.writeObjectFieldStart("categories");
        for (Category c : Category.values()) g.writeNumberField(c.id, p.get(c));
        g.writeEndObject();
        map(g, "counts", p.counts());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("category_totals");
      for (Category c : Category.values()) g.writeNumberField(c.id, r.total(c));
      g.writeEndObject();
      map(g, "totals", r.totals());
      if (r.effectiveness() != null) {
        Report.Effectiveness f = r.effectiveness();
        g.writeObjectFieldStart("effectiveness");
        g.writeNumberField("greylisted", f.greylisted());
        g.writeNumberField("never_came_back", f.neverCameBack());
        g.writeFieldName("share"); // null: nothing to measure
        if (f.measured()) {
          g.writeNumber(String.format(Locale.ROOT, "%.4f", f.share()));
        } else {
          g.writeNull();
        }
        g.writeNumberField("retry_window_seconds", f.retryWindowSeconds());
        g.writeEndObject();
      }
      if (r.delays() != null) {
        Report.Delays d = r.delays();
        boolean waits = d.passed() > 0;
        g.writeObjectFieldStart("delays");
        g.writeNumberField("passed", d.passed());
        number(g, "median_seconds", waits, d.medianSeconds());
        number(g, "p90_seconds", waits, d.p90Seconds());
        number(g, "max_seconds", waits, d.maxSeconds());
        g.writeNumberField("retried", d.retried());
        number(g, "retries_median", d.retried() > 0, d.retriesMedian());
        number(g, "retries_max", d.retried() > 0, d.retriesMax());
        g.writeArrayFieldStart("histogram");
        for (Report.Bucket k : r.delayHistogram()) {
          g.writeStartObject();
          g.writeStringField("label", k.label());
          if (k.upToSeconds() != Long.MAX_VALUE) {
            g.writeNumberField("up_to_seconds", k.upToSeconds());
          }
          g.writeNumberField("count", k.count());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      tops(g, "top_networks", r.topNetworks());
      tops(g, "top_sender_domains", r.topSenderDomains());
      tops(g, "top_whitelist_entries", r.topWhitelistEntries());
      tops(g, "rate_limit_hits", r.rateLimitHits());
      tops(g, "top_limited_keys", r.topLimitedKeys());
      tops(g, "queue_alerts", r.queueAlerts());
      tops(g, "policy_sets", r.policySets());
      tops(g, "releases", r.releases());
      if (r.gaps() != null) {
        g.writeObjectFieldStart("log_gaps");
        g.writeNumberField("postgrey_decisions", r.gaps().postgreyDecisions());
        g.writeNumberField("unnamed_whitelisted", r.gaps().unnamedWhitelisted());
        g.writeNumberField("greylisted_without_triplet", r.gaps().greylistedWithoutTriplet());
        g.writeEndObject();
      }
      g.writeNumberField("unparsed_lines", r.unparsed());
      g.writeNumberField("skipped_lines", r.skipped());
      g.writeNumberField("undated_decisions", r.undated());
      g.writeEndObject();
      g.flush();
    } catch (IOException e) {
      // a PrintWriter does not throw; its checkError() tells the caller
      throw new UncheckedIOException(e);
    }
    out.println();
  }

  private static void tops(JsonGenerator g, String name, java.util.List<Report.Top> top)
      throws IOException {
    g.writeArrayFieldStart(name);
    for (Report.Top t : top) {
      g.writeStartObject();
      g.writeStringField("name", t.name());
      g.writeNumberField("count", t.count());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** {@code value}, or null when there was nothing to measure. */
  private static void number(JsonGenerator g, String name, boolean measured, long value)
      throws IOException {
    g.writeFieldName(name);
    if (measured) {
      g.writeNumber(value);
    } else {
      g.writeNull();
    }
  }

  private static void map(JsonGenerator g, String name, Map<String, Long> m) throws IOException {
    g.writeObjectFieldStart(name);
    for (Map.Entry<String, Long> e : m.entrySet()) g.writeNumberField(e.getKey(), e.getValue());
    g.writeEndObject();
  }
}
