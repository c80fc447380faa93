package org.greygate.report;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code greygate report --html FILE}: one self-contained page, inline CSS and SVG, no script and
 * nothing fetched, so it opens from a mail attachment or an offline host alike. Charts: what was
 * greylisted and what passed, per day or hour; how long passed mail waited; then the top lists.
 */
final class HtmlReport {
  private HtmlReport() {}

  /** One colour per category of {@link Report#CATEGORIES}, in order (colour-blind safe). */
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
    top(b, "Client networks greylisted most", "top-networks", r.topNetworks());
    top(b, "Sender domains greylisted most", "top-senders", r.topSenderDomains());
    top(
        b,
        "Whitelist entries that let most requests through",
        "top-whitelist",
        r.topWhitelistEntries());
    if (!r.rateLimitHits().isEmpty()) {
      top(b, "Rate-limit answers by rule", "limit-hits", r.rateLimitHits());
      top(b, "Keys rate limits answered most", "limited-keys", r.topLimitedKeys());
    }
    if (!r.queueAlerts().isEmpty()) {
      top(b, "Queue watch alerts", "queue-alerts", r.queueAlerts());
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
    long greylisted = 0;
    long late = 0;
    for (Report.Period p : r.periods()) {
      total += p.total();
      greylisted += p.categories().get("greylisted");
      late += p.categories().get("passed after delay");
    }
    b.append("<div class=\"tiles\">");
    tile(b, "decisions", num(total));
    tile(b, "greylisted", num(greylisted));
    tile(b, "passed after the delay", num(late));
    if (r.effectiveness() != null && r.effectiveness().greylisted() > 0) {
      tile(
          b,
          "greylisted triplets that never came back",
          String.format(Locale.ROOT, "%.1f%%", 100 * r.effectiveness().share()));
    }
    if (r.delays() != null && r.delays().passed() > 0) {
      tile(b, "median wait of passed mail", ReportWriter.duration(r.delays().medianSeconds()));
    }
    b.append("</div>\n");
  }

  private static void tile(StringBuilder b, String label, String value) {
    b.append("<div class=\"tile\"><b>").append(esc(value)).append("</b>").append(esc(label));
    b.append("</div>");
  }

  static final int WIDTH = 960;
  static final int HEIGHT = 280;
  static final int LEFT = 64;
  static final int BOTTOM = 48;
  static final int TOP = 12;

  /** Stacked bars, one per period, in {@link Report#CATEGORIES} order from the bottom. */
  private static void timeline(Report r, StringBuilder b) {
    List<Report.Period> periods = r.periods();
    if (periods.isEmpty()) {
      b.append("<p class=\"note\">No decisions in this period.</p>\n");
      return;
    }
    long max = 1;
    for (Report.Period p : periods) max = Math.max(max, p.total());
    double plotW = WIDTH - LEFT - 12;
    double plotH = HEIGHT - BOTTOM - TOP;
    double slot = plotW / periods.size();
    double barW = Math.max(1, slot * 0.8);
    b.append("<svg id=\"timeline\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"decisions per period\">\n");
    axis(b, max, plotH);
    int labelEvery = (int) Math.ceil(periods.size() / 12.0);
    for (int i = 0; i < periods.size(); i++) {
      Report.Period p = periods.get(i);
      double x = LEFT + i * slot + (slot - barW) / 2;
      double y = TOP + plotH;
      for (int c = 0; c < Report.CATEGORIES.size(); c++) {
        long n = p.categories().get(Report.CATEGORIES.get(c));
        if (n == 0) continue;
        double h = n * plotH / max;
        y -= h;
        bar(
            b,
            x,
            y,
            barW,
            h,
            COLOURS.get(c),
            p.start() + " " + Report.CATEGORIES.get(c) + ": " + num(n));
      }
      if (i % labelEvery == 0) {
        xLabel(b, LEFT + i * slot + slot / 2, HEIGHT - BOTTOM + 16, p.start());
      }
    }
    b.append("</svg>\n<div class=\"legend\">");
    for (int c = 0; c < Report.CATEGORIES.size(); c++) {
      b.append("<span><i style=\"background:")
          .append(COLOURS.get(c))
          .append("\"></i>")
          .append(esc(Report.CATEGORIES.get(c)))
          .append("</span>");
    }
    b.append("</div>\n");
  }

  /** A bar of a chart, its {@code title} the tooltip (text, escaped here). */
  private static void bar(
      StringBuilder b, double x, double y, double w, double h, String fill, String title) {
    b.append(
        String.format(
            Locale.ROOT,
            "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                + " fill=\"%s\"><title>%s</title></rect>\n",
            x,
            y,
            w,
            h,
            fill,
            esc(title)));
  }

  /** A label under the x axis, centred on {@code x}. */
  private static void xLabel(StringBuilder b, double x, int y, String text) {
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
            x,
            y,
            esc(text)));
  }

  private static void axis(StringBuilder b, long max, double plotH) {
    b.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>"
                + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>\n",
            LEFT,
            TOP,
            LEFT,
            TOP + plotH,
            LEFT,
            TOP + plotH,
            WIDTH - 12,
            TOP + plotH));
    for (int k = 0; k <= 4; k++) {
      long v = Math.round(max * k / 4.0);
      double y = TOP + plotH - plotH * k / 4.0;
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>"
                  + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
              LEFT - 6,
              y + 4,
              num(v),
              LEFT + 1,
              y,
              WIDTH - 12,
              y));
    }
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
        .append("; greylisted attempts before passing: median ")
        .append(d.retriesMedian())
        .append(".</p>\n");
    List<Report.Bucket> buckets = r.delayHistogram();
    long max = 1;
    for (Report.Bucket k : buckets) max = Math.max(max, k.count());
    int height = 220;
    double plotH = height - BOTTOM - TOP;
    double slot = (WIDTH - LEFT - 12.0) / buckets.size();
    b.append("<svg id=\"delays\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height)
        .append("\" role=\"img\" aria-label=\"delay distribution\">\n");
    axis(b, max, plotH);
    for (int i = 0; i < buckets.size(); i++) {
      Report.Bucket k = buckets.get(i);
      double h = k.count() * plotH / max;
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
      xLabel(b, LEFT + i * slot + slot / 2, height - BOTTOM + 16, k.label());
    }
    b.append("</svg>\n");
  }

  private static void top(StringBuilder b, String title, String id, List<Report.Top> top) {
    b.append("<h2>").append(esc(title)).append("</h2>\n");
    if (top.isEmpty()) {
      b.append("<p class=\"note\">None")
          .append(" (the database keeps no names: give --log for this list).</p>\n");
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
