package org.greygate.report;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.greygate.policy.Category;

/**
 * {@code greygate report --html FILE}: one self-contained page, inline CSS and SVG, no script and
 * nothing fetched, so it opens from a mail attachment or an offline host alike. Charts: what was
 * greylisted and what passed, per day or hour; how long passed mail waited; then the top lists.
 */
final class HtmlReport {
  private HtmlReport() {}

  /** One colour per {@link Category}, in order (colour-blind safe). */
  static final List<String> COLOURS =
      List.of(
          "#d55e00", "#e69f00", "#0072b2", "#009e73", "#56b4e9", "#cc79a7", "#f0e442", "#999999");

  static final String DELAY_COLOUR = "#3b5b92";

  static void write(Report r, PrintWriter out) {
    StringBuilder b = new StringBuilder(16_384);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    b.append("<title>greygate report</title>\n<style>\n")
        .append(
            "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}\n")
        .append("h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}\n")
        .append(".tiles{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}\n")
        .append(".tile{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:140px}\n")
        .append(".tile b{display:block;font-size:20px}\n")
        .append(
            "table{border-collapse:collapse;margin:4px 0}td,th{padding:2px 10px;text-align:left}")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append("tr:nth-child(even){background:#f4f4f4}\n")
        .append(".legend span{display:inline-block;margin-right:14px}")
        .append(".legend i{display:inline-block;width:12px;height:12px;margin-right:4px;")
        .append("vertical-align:-1px}\n.note{color:#666}\n")
        .append("svg text{font-family:inherit}\n")
        .append("</style></head><body>\n");
    b.append("<h1>greygate report</h1>\n<div class=\"note\">")
        .append(esc(r.source()))
        .append("</div>\n");
    tiles(r, b);
    b.append("<h2>Greylisted and passed, per ")
        .append(r.hourly() ? "hour" : "day")
        .append("</h2>\n");
    timeline(r, b);
    b.append("<h2>How long passed mail waited</h2>\n");
    delays(r, b);
    String greylistedNone = none(r, false);
    top(b, "Client networks greylisted most", "top-networks", r.topNetworks(), greylistedNone);
    top(b, "Sender domains greylisted most", "top-senders", r.topSenderDomains(), greylistedNone);
    top(
        b,
        "Whitelist entries that let most requests through",
        "top-whitelist",
        r.topWhitelistEntries(),
        none(r, true));
    if (r.gaps() != null
        && r.gaps().unnamedWhitelisted() > 0
        && !r.topWhitelistEntries().isEmpty()) {
      b.append("<p class=\"note\">")
          .append(esc(ReportWriter.unnamedWhitelisted(r.gaps())))
          .append(".</p>\n");
    }
    if (!r.rateLimitHits().isEmpty()) {
      top(b, "Rate-limit answers by rule", "limit-hits", r.rateLimitHits(), "None.");
      top(b, "Keys rate limits answered most", "limited-keys", r.topLimitedKeys(), none(r, false));
    }
    if (!r.queueAlerts().isEmpty()) {
      top(b, "Queue watch alerts", "queue-alerts", r.queueAlerts(), "None.");
    }
    if (!r.policySets().isEmpty()) {
      top(b, "Decisions by policy set", "policy-sets", r.policySets(), "None.");
    }
    if (!r.releases().isEmpty()) {
      top(b, "Greylisted triplets released", "releases", r.releases(), "None.");
    }
    b.append(
            "<h2>By action and reason</h2>\n<table id=\"totals\"><tr><th>action</th><th>reason</th>")
        .append("<th>count</th></tr>\n");
    for (Map.Entry<String, Long> e : r.totals().entrySet()) {
      int slash = e.getKey().indexOf('/');
      b.append("<tr><td>")
          .append(esc(e.getKey().substring(0, slash)))
          .append("</td><td>")
          .append(esc(e.getKey().substring(slash + 1)))
          .append("</td><td class=\"n\">")
          .append(num(e.getValue()))
          .append("</td></tr>\n");
    }
    b.append("</table>\n");
    if (r.unparsed() > 0 || r.undated() > 0) {
      b.append("<p class=\"note\">")
          .append(num(r.unparsed()))
          .append(" lines held no decision; ")
          .append(num(r.undated()))
          .append(" decisions had no readable time (in the totals only).</p>\n");
    }
    if (r.skipped() > 0) {
      b.append("<p class=\"note\">")
          .append(num(r.skipped()))
          .append(" lines skipped: longer than 64 KiB, or greygate's or Postgrey's lines whose")
          .append(" decision does not parse.</p>\n");
    }
    b.append("</body></html>\n");
    out.print(b);
    out.flush();
  }

  private static void tiles(Report r, StringBuilder b) {
    long total = 0;
    for (Category c : Category.values()) total += r.total(c);
    b.append("<div class=\"tiles\">");
    tile(b, "decisions", num(total));
    tile(b, Category.GREYLISTED.label, num(r.total(Category.GREYLISTED)));
    tile(b, Category.PASSED_LATE.label + " (after the delay)", num(r.total(Category.PASSED_LATE)));
    if (r.effectiveness() != null) {
      tile(
          b,
          r.effectiveness().measured()
              ? "greylisted triplets that never came back"
              : "never came back: no triplet greylisted long enough ago to tell",
          r.effectiveness().measured()
              ? String.format(Locale.ROOT, "%.1f%%", 100 * r.effectiveness().share())
              : "n/a");
    }
    if (r.delays() != null) {
      tile(
          b,
          r.delays().passed() > 0
              ? "median wait of passed mail"
              : "median wait: no greylisted mail passed",
          r.delays().passed() > 0 ? ReportWriter.duration(r.delays().medianSeconds()) : "n/a");
    }
    b.append("</div>\n");
  }

  private static void tile(StringBuilder b, String label, String value) {
    b.append("<div class=\"tile\"><b>").append(esc(value)).append("</b>").append(esc(label));
    b.append("</div>");
  }

  static final int WIDTH = 960;
  static final int HEIGHT = 290;
  static final int LEFT = 72;
  static final int RIGHT = 12;
  static final int BOTTOM = 58;
  static final int TOP = 12;

  /** The widest a chart label's character is drawn (11 px digits are 7 px in DejaVu Sans). */
  static final double CHAR_WIDTH = 7.2;

  /** At most this many intervals between value ticks. */
  static final int TICKS = 5;

  /**
   * Stacked bars, one per period, in {@link Category} order from the bottom, on a time axis: every
   * period of the span has its place (the report fills quiet ones with zeros), labels thinned so
   * that none overlaps another.
   */
  private static void timeline(Report r, StringBuilder b) {
    List<Report.Period> periods = r.periods();
    if (periods.isEmpty()) {
      b.append("<p class=\"note\">No decisions in this period.</p>\n");
      return;
    }
    long max = 1;
    for (Report.Period p : periods) max = Math.max(max, p.total());
    ChartAxes.Ticks ticks = ChartAxes.ticks(max, TICKS);
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - BOTTOM - TOP;
    double slot = plotW / periods.size();
    double barW = slot < 3 ? slot : slot * 0.8;
    String unit = r.hourly() ? "hour" : "day";
    svgStart(b, "timeline", HEIGHT, "decisions per " + unit);
    axis(b, ticks, plotW, plotH, HEIGHT, "decisions per " + unit, unit + " (local time)");
    List<String> starts = periods.stream().map(Report.Period::start).toList();
    for (ChartAxes.Label l : ChartAxes.timeLabels(starts, r.hourly(), slot, CHAR_WIDTH, 6)) {
      double x = LEFT + l.index() * slot + (l.atStart() ? 0 : slot / 2);
      double y = TOP + plotH;
      if (l.atStart()) {
        // a day boundary: a faint line up the plot, a tick down to the date
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
                x,
                TOP,
                x,
                y,
                x,
                y,
                x,
                y + 30));
      } else {
        b.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
                x,
                y,
                x,
                y + 4));
      }
      xLabel(b, x + (l.atStart() ? 3 : 0), (int) y + 16 + 14 * l.line(), l.text(), l.atStart());
    }
    for (int i = 0; i < periods.size(); i++) {
      Report.Period p = periods.get(i);
      double x = LEFT + i * slot + (slot - barW) / 2;
      double y = TOP + plotH;
      for (Category c : Category.values()) {
        long n = p.get(c);
        if (n == 0) continue;
        double h = n * plotH / ticks.top();
        y -= h;
        bar(
            b,
            x,
            y,
            barW,
            h,
            COLOURS.get(c.ordinal()),
            when(p.start()) + " " + c.label + ": " + num(n));
      }
    }
    b.append("</svg>\n<div class=\"legend\">");
    for (Category c : Category.values()) {
      b.append("<span title=\"")
          .append(esc(c.doc.replace("`", "")))
          .append("\"><i style=\"background:")
          .append(COLOURS.get(c.ordinal()))
          .append("\"></i>")
          .append(esc(c.label))
          .append("</span>");
    }
    b.append("</div>\n");
  }

  /** {@code 2026-12-03T14} as {@code 2026-12-03 14:00}; a day as it is. */
  private static String when(String start) {
    return start.length() == 13
        ? start.substring(0, 10) + " " + start.substring(11) + ":00"
        : start;
  }

  private static void svgStart(StringBuilder b, String id, int height, String label) {
    b.append("<svg id=\"")
        .append(id)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height)
        .append("\" font-size=\"11\" role=\"img\" aria-label=\"")
        .append(esc(label))
        .append("\">\n");
  }

  /** A bar of a chart, its {@code title} the tooltip (text, escaped here). */
  private static void bar(
      StringBuilder b, double x, double y, double w, double h, String fill, String title) {
    b.append(
        String.format(
            Locale.ROOT,
            "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\""
                + " fill=\"%s\"><title>%s</title></rect>\n",
            x,
            y,
            w,
            h,
            fill,
            esc(title)));
  }

  /** A label under the x axis, centred on {@code x} or starting there. */
  private static void xLabel(StringBuilder b, double x, int y, String text, boolean start) {
    b.append(
        String.format(
            Locale.ROOT,
            "<text class=\"x-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
            x,
            y,
            start ? "start" : "middle",
            esc(text)));
  }

  /** The plot's frame, round value ticks with grid lines, and a title for each axis. */
  private static void axis(
      StringBuilder b,
      ChartAxes.Ticks ticks,
      double plotW,
      double plotH,
      int height,
      String yTitle,
      String xTitle) {
    b.append(
        String.format(
            Locale.ROOT,
            "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\""
                + " fill=\"none\"/>\n",
            LEFT,
            TOP,
            plotW,
            plotH));
    for (long v : ticks.values()) {
      double y = TOP + plotH - plotH * v / ticks.top();
      b.append(
          String.format(
              Locale.ROOT,
              "<text class=\"y-tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
                  + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
              LEFT - 6,
              y + 4,
              num(v),
              v == 0 ? LEFT : LEFT + 1,
              y,
              LEFT + plotW,
              y,
              v == 0 ? "#444" : "#ddd"));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>\n",
            LEFT,
            TOP,
            LEFT,
            TOP + plotH));
    b.append(
        String.format(
            Locale.ROOT,
            "<text class=\"axis-title\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\""
                + " fill=\"#555\">%s</text>\n"
                + "<text class=\"axis-title\" x=\"0\" y=\"0\" text-anchor=\"middle\""
                + " fill=\"#555\" transform=\"translate(16 %.1f) rotate(-90)\">%s</text>\n",
            LEFT + plotW / 2,
            height - 6,
            esc(xTitle),
            TOP + plotH / 2,
            esc(yTitle)));
  }

  private static void delays(Report r, StringBuilder b) {
    if (r.delays() == null || r.delays().passed() == 0) {
      b.append("<p class=\"note\">")
          .append(
              r.delays() == null
                  ? "The database keeps counts, not waits: give --log for this chart."
                  : "No greylisted mail passed in this period.")
          .append("</p>\n");
      return;
    }
    Report.Delays d = r.delays();
    b.append("<p>")
        .append(num(d.passed()))
        .append(" triplets passed after a delay: median ")
        .append(esc(ReportWriter.duration(d.medianSeconds())))
        .append(", 90% within ")
        .append(esc(ReportWriter.duration(d.p90Seconds())))
        .append(", longest ")
        .append(esc(ReportWriter.duration(d.maxSeconds())))
        .append("; greylisted attempts before passing: ")
        .append(esc(ReportWriter.retries(d)))
        .append(".</p>\n");
    List<Report.Bucket> buckets = r.delayHistogram();
    long max = 1;
    for (Report.Bucket k : buckets) max = Math.max(max, k.count());
    ChartAxes.Ticks ticks = ChartAxes.ticks(max, TICKS);
    int height = 230;
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = height - BOTTOM - TOP;
    double slot = plotW / buckets.size();
    svgStart(b, "delays", height, "how long passed mail waited");
    axis(b, ticks, plotW, plotH, height, "triplets", "wait before passing");
    for (int i = 0; i < buckets.size(); i++) {
      Report.Bucket k = buckets.get(i);
      double h = k.count() * plotH / ticks.top();
      double x = LEFT + i * slot + slot * 0.15;
      if (k.count() > 0) {
        bar(
            b,
            x,
            TOP + plotH - h,
            slot * 0.7,
            h,
            DELAY_COLOUR,
            "waited " + k.label() + ": " + num(k.count()));
      }
      xLabel(b, LEFT + i * slot + slot / 2, (int) (TOP + plotH) + 16, k.label(), false);
    }
    b.append("</svg>\n");
  }

  /**
   * Why a top list is empty: the counters keep no names; or the logs named nothing (Postgrey's
   * lines name no whitelist entry); or there was nothing to list.
   */
  static String none(Report r, boolean whitelist) {
    if (!r.fromLogs())
      return "None: the database keeps counts, not names; give --log for this list.";
    Report.LogGaps g = r.gaps();
    if (whitelist) {
      return g.unnamedWhitelisted() > 0
          ? "None named: " + ReportWriter.unnamedWhitelisted(g) + "."
          : "None: no whitelist entry let mail through in this period.";
    }
    if (g.greylistedWithoutTriplet() > 0) {
      return "None named: "
          + String.format(
              Locale.ROOT,
              "%,d greylisted decisions name no client address or recipient.",
              g.greylistedWithoutTriplet());
    }
    return "None: nothing was greylisted in this period.";
  }

  private static void top(
      StringBuilder b, String title, String id, List<Report.Top> top, String none) {
    b.append("<h2>").append(esc(title)).append("</h2>\n");
    if (top.isEmpty()) {
      b.append("<p class=\"note\">").append(esc(none)).append("</p>\n");
      return;
    }
    b.append("<table id=\"").append(id).append("\">\n");
    for (Report.Top t : top) {
      b.append("<tr><td>")
          .append(esc(t.name()))
          .append("</td><td class=\"n\">")
          .append(num(t.count()))
          .append("</td></tr>\n");
    }
    b.append("</table>\n");
  }

  private static String num(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Text made safe for HTML content and attribute values. */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c < 0x20 ? '?' : c);
      }
    }
    return out.toString();
  }
}
