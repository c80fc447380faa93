package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.greygate.testing.Cli;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate report --html} opened in a real browser (headless Chromium): the page renders
 * both charts and the top lists, offline, with nothing fetched and no script; its time axis has
 * every day and hour of the period, its labels never overlap, its value ticks are round; and the
 * week's page looks as the reviewed reference screenshot does.
 */
class HtmlReportIT {
  @TempDir Path dir;

  static final LocalDateTime START = LocalDateTime.parse("2026-11-26T00:00:00");

  /** The day of {@link #week()} without a decision: the daemon was down. */
  static final int QUIET_DAY = 4;

  /**
   * A week of decision lines in local time (greygate's console shape, so the page is the same in
   * any time zone): greylisted triplets, a share of them passing later, whitelists; mail between
   * 06:00 and 22:00 only, nothing at all on the fifth day.
   */
  static List<String> week() {
    Random random = new Random(7);
    TreeMap<LocalDateTime, List<String>> order = new TreeMap<>();
    for (int day = 0; day < 7; day++) {
      if (day == QUIET_DAY) continue;
      LocalDateTime morning = START.plusDays(day).plusHours(6);
      for (int i = 0; i < 60 + random.nextInt(60); i++) {
        LocalDateTime t = morning.plusSeconds(random.nextInt(16 * 3600));
        String who =
            "client_name=x, client_address=192.0."
                + (1 + random.nextInt(20))
                + ".9, sender=u"
                + random.nextInt(40)
                + "@bulk"
                + random.nextInt(4)
                + ".example, recipient=r@example.net";
        add(order, t, "action=greylist, reason=new, " + who);
        if (random.nextInt(10) < 4) {
          long delay = 300 + random.nextInt(random.nextBoolean() ? 300 : 20_000);
          add(
              order,
              t.plusSeconds(delay),
              "action=pass, reason=triplet found, delay=" + delay + ", " + who);
        }
      }
      for (int i = 0; i < 40; i++) {
        add(
            order,
            morning.plusSeconds(random.nextInt(16 * 3600)),
            "action=pass, reason=client whitelist, whitelist=google.com, client_name=mail.google.com,"
                + " client_address=198.51.100.1, sender=a@gmail.com, recipient=r@example.net");
      }
    }
    DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    List<String> lines = new ArrayList<>();
    order.forEach(
        (t, texts) -> texts.forEach(x -> lines.add(f.format(t) + " INFO  decision: " + x)));
    return lines;
  }

  private static void add(TreeMap<LocalDateTime, List<String>> order, LocalDateTime t, String x) {
    order.computeIfAbsent(t, k -> new ArrayList<>()).add(x);
  }

  /** The page of {@link #week()}, daily or hourly. */
  Path page(String name, String... more) throws Exception {
    Path log = dir.resolve("mail.log");
    if (!Files.exists(log)) Files.write(log, week());
    Path page = dir.resolve(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "report",
                "--log=" + log,
                "--from=2026-11-26",
                "--to=2026-12-02",
                "--html=" + page));
    args.addAll(List.of(more));
    Cli cli = new Cli();
    int code = cli.run(args.toArray(String[]::new));
    assertEquals(0, code, cli.err.toString());
    assertEquals("", cli.out.toString(), "--html alone keeps stdout quiet");
    return page;
  }

  @Test
  void theReportRendersInABrowser() throws Exception {
    String chromium = Requirements.program("chromium", "/usr/bin/chromium");
    Path page = page("report.html");
    String html = Files.readString(page);
    assertFalse(html.contains("<script"), "no script");
    assertFalse(html.matches("(?s).*(https?:|//[a-z]).*"), "nothing to fetch");

    // what the browser built from it
    String dom = run(chromium, "--dump-dom", page.toUri().toString());
    assertEquals(
        List.of(
            "2026-11-26",
            "2026-11-27",
            "2026-11-28",
            "2026-11-29",
            "2026-11-30",
            "2026-12-01",
            "2026-12-02"),
        all(dom, "<text[^>]*>(2026-1[12]-\\d\\d)</text>"),
        "one label a day, the day without mail too");
    assertTrue(count(dom, "<rect class=\"bar\"") >= 6 * 3 + 3, dom);
    assertTrue(dom.contains("id=\"delays\""), "the delay chart");
    assertTrue(dom.contains("google.com (clients)"), "the whitelist entry that matched");
    assertTrue(dom.contains("bulk"), "the top sender domains");

    // and what it drew: the charts' colours cover real areas of the screenshot
    Path shot = dir.resolve("report.png");
    screenshot(chromium, page, shot);
    BufferedImage image = ImageIO.read(shot.toFile());
    assertEquals(1040, image.getWidth());
    int greylisted = pixels(image, HtmlReport.COLOURS.get(0));
    int whitelisted = pixels(image, HtmlReport.COLOURS.get(3));
    int delays = pixels(image, HtmlReport.DELAY_COLOUR);
    int blank = pixels(image, "#ffffff");
    assertTrue(greylisted > 5_000, "greylisted bars drawn: " + greylisted + " pixels");
    assertTrue(whitelisted > 2_000, "whitelisted bars drawn: " + whitelisted + " pixels");
    assertTrue(delays > 3_000, "delay bars drawn: " + delays + " pixels");
    assertTrue(blank < image.getWidth() * image.getHeight() * 0.95, "not a blank page");
  }

  /**
   * What the browser laid out, measured in the page itself: a copy of the page with a script that
   * writes every chart text's box ({@code getBBox}) and every bar into the DOM Chromium dumps.
   */
  @Test
  void hourlyLabelsNeverOverlapTicksAreRoundAndEveryHourHasItsPlace() throws Exception {
    String chromium = Requirements.program("chromium", "/usr/bin/chromium");
    for (boolean hourly : new boolean[] {true, false}) {
      Path page = hourly ? page("hourly.html", "--hourly") : page("daily.html");
      Map<String, Chart> g = geometry(chromium, page);
      for (String chart : List.of("timeline", "delays")) {
        Chart svg = g.get(chart);
        assertTrue(svg != null, chart + " drawn: " + g);
        List<Box> xLabels = new ArrayList<>();
        List<Box> yTicks = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        for (Box t : svg.texts()) {
          if (t.cls().contains("axis-title")) {
            titles.add(t.text());
          } else if (t.anchor().equals("end")) {
            yTicks.add(t);
          } else {
            xLabels.add(t);
          }
        }
        String what = (hourly ? "hourly " : "daily ") + chart;
        assertTrue(xLabels.size() >= 7, what + ": labels " + xLabels);
        for (int i = 0; i < xLabels.size(); i++) {
          for (int j = i + 1; j < xLabels.size(); j++) {
            Box a = xLabels.get(i);
            Box b = xLabels.get(j);
            if (overlap(a, b)) {
              fail(what + ": labels overlap: " + a + " and " + b);
            }
          }
        }
        assertRound(what, yTicks);
        assertEquals(2, titles.size(), what + ": a title for each axis: " + titles);
      }
      // the time axis is time: a bar's place is proportional to its hour (or day) since the start
      List<Bar> bars = g.get("timeline").bars();
      Map<Long, Double> xOfPeriod = new LinkedHashMap<>();
      Pattern title =
          Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d)(?:[T ](\\d\\d)(?::00)?)? \\S.*: [\\d,]+$");
      for (Bar bar : bars) {
        Matcher m = title.matcher(bar.title());
        assertTrue(m.find(), "a bar's title names its period: " + bar);
        LocalDateTime t =
            LocalDateTime.parse(
                m.group(1) + "T" + (m.group(2) == null ? "00" : m.group(2)) + ":00");
        long index = java.time.Duration.between(START, t).toHours() / (hourly ? 1 : 24);
        xOfPeriod.put(index, bar.x());
      }
      long first = xOfPeriod.keySet().stream().min(Long::compare).orElseThrow();
      long last = xOfPeriod.keySet().stream().max(Long::compare).orElseThrow();
      double slot = (xOfPeriod.get(last) - xOfPeriod.get(first)) / (last - first);
      for (var e : xOfPeriod.entrySet()) {
        double expected = xOfPeriod.get(first) + (e.getKey() - first) * slot;
        assertTrue(
            Math.abs(e.getValue() - expected) < 0.6,
            (hourly ? "hour " : "day ")
                + e.getKey()
                + " drawn at x="
                + e.getValue()
                + ", its place on a time axis is "
                + expected);
      }
      int periods = hourly ? 7 * 24 : 7;
      double plot = g.get("timeline").plotWidth();
      assertTrue(
          Math.abs(slot * periods - plot) < 2,
          "the axis spans the whole period ("
              + periods
              + " slots of "
              + slot
              + " px over "
              + plot
              + " px)");
    }
  }

  /**
   * The page as reviewed, pixel by pixel: the screenshot of the hourly week must match the
   * committed one but for a few pixels (anti-aliasing). Run with {@code
   * -Dgreygate.report.reference=write} to replace the reference after a deliberate change, then
   * look at it before committing.
   */
  @Test
  void theHourlyPageLooksAsReviewed() throws Exception {
    String chromium = Requirements.program("chromium", "/usr/bin/chromium");
    Path page = page("hourly.html", "--hourly");
    // the page names its source, a temporary path: the reviewed one names /var/log/mail.log
    Path shown = dir.resolve("shown.html");
    Files.writeString(shown, Files.readString(page).replace(dir.toString(), "/var/log"));
    Path shot = dir.resolve("hourly.png");
    screenshot(chromium, shown, shot);
    Path reference = Path.of("src/test/resources/org/greygate/report/hourly-week.png");
    if ("write".equals(System.getProperty("greygate.report.reference"))) {
      Files.createDirectories(reference.getParent());
      Files.copy(shot, reference, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    BufferedImage want = ImageIO.read(reference.toFile());
    BufferedImage got = ImageIO.read(shot.toFile());
    assertEquals(want.getWidth(), got.getWidth());
    assertEquals(want.getHeight(), got.getHeight());
    int differ = 0;
    for (int y = 0; y < want.getHeight(); y++) {
      for (int x = 0; x < want.getWidth(); x++) {
        if (distance(want.getRGB(x, y), got.getRGB(x, y)) > 48) differ++;
      }
    }
    int allowed = want.getWidth() * want.getHeight() / 1000; // 0.1 %
    if (differ > allowed) {
      Path kept = Path.of("target/hourly-week-actual.png");
      Files.createDirectories(kept.getParent());
      Files.copy(shot, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      fail(
          differ
              + " pixels differ from the reviewed screenshot (at most "
              + allowed
              + "): look at "
              + kept.toAbsolutePath()
              + " beside "
              + reference);
    }
  }

  static int distance(int a, int b) {
    int d = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
      d = Math.max(d, Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)));
    }
    return d;
  }

  static boolean overlap(Box a, Box b) {
    return a.x() < b.x() + b.w()
        && b.x() < a.x() + a.w()
        && a.y() < b.y() + b.h()
        && b.y() < a.y() + a.h();
  }

  /** A chart text's box as the browser laid it out. */
  record Box(String text, double x, double y, double w, double h, String anchor, String cls) {}

  /** A bar: where it starts and its tooltip ({@code PERIOD CATEGORY: N}). */
  record Bar(double x, double w, String title) {}

  record Chart(List<Box> texts, List<Bar> bars, double plotWidth) {}

  /** Ticks 0, s, 2s, ... with s one of 1, 2, 5 times a power of ten. */
  static void assertRound(String what, List<Box> ticks) {
    List<Long> values = new ArrayList<>();
    for (Box t : ticks) values.add(Long.parseLong(t.text().replace(",", "")));
    values.sort(Long::compare);
    assertTrue(values.size() >= 3, what + ": ticks " + values);
    assertEquals(0, values.get(0), what + ": ticks start at 0: " + values);
    long step = values.get(1);
    for (int i = 1; i < values.size(); i++) {
      assertEquals(i * step, values.get(i), what + ": evenly spaced ticks " + values);
    }
    long mantissa = step;
    while (mantissa % 10 == 0) mantissa /= 10;
    assertTrue(
        mantissa == 1 || mantissa == 2 || mantissa == 5,
        what + ": round ticks (1, 2 or 5 times a power of ten): " + values);
  }

  static final String MEASURE =
      "<script>(function(){var out={};document.querySelectorAll('svg').forEach(function(s){"
          + "var c={texts:[],bars:[]};"
          + "s.querySelectorAll('text').forEach(function(t){var b=t.getBBox();"
          + "c.texts.push({text:t.textContent,x:b.x,y:b.y,w:b.width,h:b.height,"
          + "anchor:t.getAttribute('text-anchor')||'start',cls:t.getAttribute('class')||''});});"
          + "s.querySelectorAll('rect.bar').forEach(function(r){var t=r.querySelector('title');"
          + "c.bars.push({x:r.x.baseVal.value,w:r.width.baseVal.value,"
          + "title:t?t.textContent:''});});"
          + "var p=s.querySelector('.plot');c.plotWidth=p?p.width.baseVal.value:"
          + "s.width.baseVal.value-64-12;out[s.id]=c;});"
          + "var pre=document.createElement('pre');pre.id='geometry';"
          + "pre.textContent=JSON.stringify(out);document.body.appendChild(pre);})();</script>";

  Map<String, Chart> geometry(String chromium, Path page) throws Exception {
    Path measured = page.resolveSibling("measured-" + page.getFileName());
    Files.writeString(measured, Files.readString(page).replace("</body>", MEASURE + "</body>"));
    String dom = run(chromium, "--dump-dom", measured.toUri().toString());
    Matcher m = Pattern.compile("<pre id=\"geometry\">(.*?)</pre>", Pattern.DOTALL).matcher(dom);
    assertTrue(m.find(), "the measuring script ran: " + dom);
    String json = m.group(1).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
    Map<String, Chart> charts = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(json.replace("&amp;", "&"))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> all = (Map<String, Object>) value(p, p.nextToken());
      all.forEach(
          (id, v) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) v;
            List<Box> texts = new ArrayList<>();
            for (Object o : (List<?>) c.get("texts")) {
              Map<?, ?> t = (Map<?, ?>) o;
              texts.add(
                  new Box(
                      (String) t.get("text"),
                      num(t.get("x")),
                      num(t.get("y")),
                      num(t.get("w")),
                      num(t.get("h")),
                      (String) t.get("anchor"),
                      (String) t.get("cls")));
            }
            List<Bar> bars = new ArrayList<>();
            for (Object o : (List<?>) c.get("bars")) {
              Map<?, ?> b = (Map<?, ?>) o;
              bars.add(new Bar(num(b.get("x")), num(b.get("w")), (String) b.get("title")));
            }
            charts.put(id, new Chart(texts, bars, num(c.get("plotWidth"))));
          });
    }
    return charts;
  }

  static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  /** A JSON value as maps, lists, strings and numbers. */
  static Object value(JsonParser p, JsonToken t) throws java.io.IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          m.put(name, value(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_ARRAY; k = p.nextToken()) {
          l.add(value(p, k));
        }
        return l;
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> {
        return p.getText();
      }
    }
  }

  static int pixels(BufferedImage image, String colour) {
    int rgb = Integer.parseInt(colour.substring(1), 16);
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        if ((image.getRGB(x, y) & 0xffffff) == rgb) n++;
      }
    }
    return n;
  }

  static int count(String text, String regex) {
    return all(text, regex).size();
  }

  static List<String> all(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    List<String> found = new ArrayList<>();
    while (m.find()) found.add(m.groupCount() > 0 ? m.group(1) : m.group());
    return found;
  }

  /** The page at 1040 px wide, fonts rendered the same way every time. */
  void screenshot(String chromium, Path page, Path png) throws Exception {
    run(
        chromium,
        "--screenshot=" + png,
        "--window-size=1040,1100",
        "--force-device-scale-factor=1",
        "--font-render-hinting=none",
        "--disable-lcd-text",
        "--disable-font-subpixel-positioning",
        page.toUri().toString());
  }

  /** Headless Chromium as root on a closed network: no sandbox, no background connections. */
  String run(String chromium, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile")));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish: " + cmd);
    }
    assertEquals(0, p.exitValue(), "chromium " + cmd);
    return out;
  }
}
