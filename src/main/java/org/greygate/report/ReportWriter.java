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
import java.util.Locale;
import java.util.Map;
import org.greygate.logline.TerminalText;

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
          visible(e.getKey().substring(0, slash)),
          visible(e.getKey().substring(slash + 1)),
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
    if (r.skipped() > 0) {
      out.printf(
          Locale.ROOT,
          "%,d lines skipped: longer than 64 KiB, or greygate's or Postgrey's lines whose decision"
              + " does not parse%n",
          r.skipped());
    }
  }

  private static void top(PrintWriter out, String title, java.util.List<Report.Top> top) {
    if (top.isEmpty()) return;
    out.println();
    out.println(title + ":");
    for (Report.Top t : top) {
      out.printf(Locale.ROOT, "  %-40s %,10d%n", visible(t.name()), t.count());
    }
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
        map(g, "categories", p.categories());
        map(g, "counts", p.counts());
        g.writeEndObject();
      }
      g.writeEndArray();
      map(g, "totals", r.totals());
      if (r.effectiveness() != null) {
        Report.Effectiveness f = r.effectiveness();
        g.writeObjectFieldStart("effectiveness");
        g.writeNumberField("greylisted", f.greylisted());
        g.writeNumberField("never_came_back", f.neverCameBack());
        g.writeFieldName("share");
        g.writeNumber(String.format(Locale.ROOT, "%.4f", f.share()));
        g.writeNumberField("retry_window_seconds", f.retryWindowSeconds());
        g.writeEndObject();
      }
      if (r.delays() != null) {
        Report.Delays d = r.delays();
        g.writeObjectFieldStart("delays");
        g.writeNumberField("passed", d.passed());
        g.writeNumberField("median_seconds", d.medianSeconds());
        g.writeNumberField("p90_seconds", d.p90Seconds());
        g.writeNumberField("max_seconds", d.maxSeconds());
        g.writeNumberField("retries_median", d.retriesMedian());
        g.writeNumberField("retries_max", d.retriesMax());
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

  private static void map(JsonGenerator g, String name, Map<String, Long> m) throws IOException {
    g.writeObjectFieldStart(name);
    for (Map.Entry<String, Long> e : m.entrySet()) g.writeNumberField(e.getKey(), e.getValue());
    g.writeEndObject();
  }
}
