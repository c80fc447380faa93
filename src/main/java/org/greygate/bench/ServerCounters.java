package org.greygate.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.greygate.config.InvalidSetting;

/**
 * The counters a policy server keeps about its own answers, read from its Prometheus endpoint: what
 * the answers alone cannot tell. A fail-open answer is by default {@code DUNNO}, the same word as a
 * triplet that passed, so a benchmark that counts answers counts it as one; the daemon knows better
 * ({@code greygate_fail_open_total}).
 */
public final class ServerCounters {
  /**
   * The sum over every label of these counters at one moment; {@code dropsCounted}: the server
   * exports the dropped writes at all (a build before the counter does not).
   */
  public record Reading(double failOpen, double writesDropped, boolean dropsCounted) {
    /** What happened between {@code earlier} and this reading. */
    public Reading since(Reading earlier) {
      return new Reading(
          failOpen - earlier.failOpen,
          writesDropped - earlier.writesDropped,
          dropsCounted && earlier.dropsCounted);
    }
  }

  static final String FAIL_OPEN = "greygate_fail_open_total";
  static final String WRITES_DROPPED = "greygate_store_writes_dropped_total";

  /** 2^53: a counter above it is no count (a double counts exactly up to there). */
  static final double MAX_COUNT = 9007199254740992.0;

  /** A scrape larger than this is not a greygate daemon's. */
  static final int MAX_BYTES = 8 << 20;

  private final URI uri;

  private ServerCounters(URI uri) {
    this.uri = uri;
  }

  /** {@code [HOST:]PORT} (as the daemon's {@code --metrics}) or an {@code http://} URL. */
  public static ServerCounters at(String where) {
    String w = where.strip();
    try {
      if (w.startsWith("http://") || w.startsWith("https://")) {
        URI u = URI.create(w);
        return new ServerCounters(
            u.getPath() == null || u.getPath().isEmpty() ? u.resolve("/metrics") : u);
      }
      if (w.matches("\\d+")) w = "127.0.0.1:" + w;
      return new ServerCounters(URI.create("http://" + w + "/metrics"));
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(
          "metrics", "must be [HOST:]PORT or an http:// URL, got '" + where + "'");
    }
  }

  public URI uri() {
    return uri;
  }

  /** Reads the counters now. */
  public Reading read() throws IOException {
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    try {
      if (c.getResponseCode() != 200) {
        throw new IOException(uri + " answered HTTP " + c.getResponseCode());
      }
      try (InputStream in = c.getInputStream()) {
        return parse(readBounded(in));
      }
    } finally {
      c.disconnect();
    }
  }

  private static String readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[16 * 1024];
    for (int n; (n = in.read(buf)) > 0; ) {
      if (out.size() + n > MAX_BYTES) throw new IOException("metrics larger than 8 MiB");
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Sums each counter's samples in Prometheus's text format; a counter absent reads as 0. */
  public static Reading parse(String text) {
    double failOpen = 0;
    double dropped = 0;
    boolean dropsCounted = false;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == '#') continue;
      int nameEnd = 0;
      while (nameEnd < line.length()
          && line.charAt(nameEnd) != '{'
          && line.charAt(nameEnd) != ' ') {
        nameEnd++;
      }
      String name = line.substring(0, nameEnd);
      boolean fo = name.equals(FAIL_OPEN);
      if (!fo && !name.equals(WRITES_DROPPED)) continue;
      double v = value(line, nameEnd);
      if (fo) {
        failOpen += v;
      } else {
        dropped += v;
        dropsCounted = true;
      }
    }
    return new Reading(failOpen, dropped, dropsCounted);
  }

  /**
   * The sample's value: the field after the name and its labels (a timestamp may follow); 0 for a
   * line that has none, or one that is not a count (negative, NaN, above {@link #MAX_COUNT}): a few
   * such samples must not add up to infinity.
   */
  private static double value(String line, int nameEnd) {
    int p = nameEnd;
    if (p < line.length() && line.charAt(p) == '{') {
      boolean quoted = false;
      for (p++; p < line.length(); p++) {
        char ch = line.charAt(p);
        if (quoted && ch == '\\') p++; // an escaped character in a label value
        else if (ch == '"') quoted = !quoted;
        else if (ch == '}' && !quoted) break;
      }
      if (p >= line.length()) return 0;
      p++;
    }
    String rest = line.substring(p).strip();
    int space = rest.indexOf(' ');
    try {
      double v = Double.parseDouble(space < 0 ? rest : rest.substring(0, space));
      return v >= 0 && v <= MAX_COUNT ? v : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
