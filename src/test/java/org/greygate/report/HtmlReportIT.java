package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * both charts and the top lists, offline, with nothing fetched and no script.
 */
class HtmlReportIT {
  @TempDir Path dir;

  static final long START = Instant.parse("2026-11-26T00:00:00Z").getEpochSecond();

  /** A week of decision lines: greylisted triplets, a share of them passing later, whitelists. */
  static List<String> week() {
    Random random = new Random(7);
    List<long[]> order = new ArrayList<>();
    List<String> text = new ArrayList<>();
    for (int day = 0; day < 7; day++) {
      for (int i = 0; i < 60 + random.nextInt(60); i++) {
        long t = START + day * 86_400L + random.nextInt(80_000);
        String who =
            "client_name=x, client_address=192.0."
                + (1 + random.nextInt(20))
                + ".9, sender=u"
                + random.nextInt(40)
                + "@bulk"
                + random.nextInt(4)
                + ".example, recipient=r@example.net";
        add(order, text, t, "action=greylist, reason=new, " + who);
        if (random.nextInt(10) < 4) {
          long delay = 300 + random.nextInt(random.nextBoolean() ? 300 : 20_000);
          add(
              order,
              text,
              t + delay,
              "action=pass, reason=triplet found, delay=" + delay + ", " + who);
        }
      }
      for (int i = 0; i < 40; i++) {
        add(
            order,
            text,
            START + day * 86_400L + random.nextInt(80_000),
            "action=pass, reason=client whitelist, whitelist=google.com, client_name=mail.google.com,"
                + " client_address=198.51.100.1, sender=a@gmail.com, recipient=r@example.net");
      }
    }
    List<String> lines = new ArrayList<>();
    order.stream()
        .sorted((a, b) -> Long.compare(a[0], b[0]))
        .forEach(
            o ->
                lines.add(
                    Instant.ofEpochSecond(o[0]) + " mx greygate[812]: " + text.get((int) o[1])));
    return lines;
  }

  private static void add(List<long[]> order, List<String> text, long t, String line) {
    order.add(new long[] {t, text.size()});
    text.add(line);
  }

  @Test
  void theReportRendersInABrowser() throws Exception {
    String chromium = Requirements.program("chromium", "/usr/bin/chromium");
    Path log = dir.resolve("mail.log");
    Files.write(log, week());
    Path page = dir.resolve("report.html");
    Cli cli = new Cli();
    int code =
        cli.run("report", "--log=" + log, "--from=2026-11-26", "--to=2026-12-02", "--html=" + page);
    assertEquals(0, code, cli.err.toString());
    assertEquals("", cli.out.toString(), "--html alone keeps stdout quiet");

    String html = Files.readString(page);
    assertFalse(html.contains("<script"), "no script");
    assertFalse(html.matches("(?s).*(https?:|//[a-z]).*"), "nothing to fetch");

    // what the browser built from it
    String dom = run(chromium, "--dump-dom", page.toUri().toString());
    assertEquals(7, count(dom, "<text[^>]*>2026-1[12]-\\d\\d</text>"), "one label per day");
    assertTrue(count(dom, "<rect class=\"bar\"") >= 7 * 3 + 3, dom);
    assertTrue(dom.contains("id=\"delays\""), "the delay chart");
    assertTrue(dom.contains("google.com (clients)"), "the whitelist entry that matched");
    assertTrue(dom.contains("bulk"), "the top sender domains");

    // and what it drew: the charts' colours cover real areas of the screenshot
    Path shot = dir.resolve("report.png");
    run(chromium, "--screenshot=" + shot, "--window-size=1040,1500", page.toUri().toString());
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
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) n++;
    return n;
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
