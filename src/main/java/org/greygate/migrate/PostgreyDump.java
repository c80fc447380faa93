package org.greygate.migrate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads Berkeley DB's printable dump ({@code db_dump -p}) of a Postgrey database: a header up to
 * {@code HEADER=END}, then key and value lines alternating, each starting with a space, with
 * non-printable bytes written as {@code \hh} and a backslash as {@code \\}, up to {@code DATA=END}.
 * Lines are bounded ({@link BoundedLines}); anything else than this grammar is refused with {@link
 * MalformedInput}, so that an import is all or nothing.
 */
public final class PostgreyDump {
  private PostgreyDump() {}

  /** What {@link #read} hands each pair to: the value's line number names the row. */
  @FunctionalInterface
  public interface PairSink {
    void accept(String key, String value, long line);
  }

  /**
   * Calls {@code sink} for every key/value pair. Keys and values are decoded as UTF-8 with a byte
   * that is not UTF-8 replaced by U+FFFD, as greygate's decoder does with a request's bytes, so an
   * 8-bit sender Postgrey stored gets the key greygate computes for it.
   *
   * @throws MalformedInput if the input is not a printable dump
   */
  public static void read(InputStream input, String source, PairSink sink) throws IOException {
    BoundedLines in = new BoundedLines(input, source);
    boolean data = false;
    boolean sawHeader = false;
    String key = null;
    for (byte[] line = in.next(); line != null; line = in.next()) {
      long n = in.number();
      if (!data) {
        String text = new String(line, StandardCharsets.ISO_8859_1);
        if (text.equals("HEADER=END")) {
          data = true;
          sawHeader = true;
        } else if (text.startsWith("format=") && !text.equals("format=print")) {
          throw new MalformedInput(
              source, n, "expected a printable dump (db_dump -p), got " + shown(text));
        } else if (text.indexOf('=') <= 0) {
          throw new MalformedInput(source, n, "expected a header line NAME=VALUE or HEADER=END");
        }
        continue;
      }
      if (line.length == 8 && new String(line, StandardCharsets.ISO_8859_1).equals("DATA=END")) {
        if (key != null) throw new MalformedInput(source, n, "a key without a value");
        data = false;
        continue;
      }
      if (line.length == 0 || line[0] != ' ') {
        throw new MalformedInput(source, n, "expected a key or value line starting with a space");
      }
      String text;
      try {
        text = unescape(line);
      } catch (IllegalArgumentException e) {
        throw new MalformedInput(source, n, e.getMessage());
      }
      if (key == null) {
        key = text;
      } else {
        sink.accept(key, text, n);
        key = null;
      }
    }
    if (data || !sawHeader) {
      throw new MalformedInput(
          source, in.number() + 1, sawHeader ? "ends before DATA=END" : "no HEADER=END");
    }
  }

  private static String shown(String s) {
    return DumpEscape.escape(s.length() > 60 ? s.substring(0, 60) : s, true);
  }

  /** A data line after its leading space: {@code \\} and {@code \hh} decoded, then UTF-8. */
  static String unescape(byte[] line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(line.length);
    for (int i = 1; i < line.length; i++) {
      int c = line[i] & 0xff;
      if (c != '\\') {
        if (c < 0x20 || c == 0x7f) {
          throw new IllegalArgumentException(
              String.format("raw control byte 0x%02x at byte %d (db_dump writes \\%02x)", c, i, c));
        }
        out.write(c);
      } else if (i + 1 < line.length && line[i + 1] == '\\') {
        out.write('\\');
        i++;
      } else if (i + 2 < line.length && hex(line[i + 1]) >= 0 && hex(line[i + 2]) >= 0) {
        out.write(hex(line[i + 1]) << 4 | hex(line[i + 2]));
        i += 2;
      } else {
        throw new IllegalArgumentException("bad escape at byte " + (i + 1));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit(b & 0xff, 16);
  }

  /**
   * Postgrey's value "first,last[,host]" or "count,last": the two numbers, or null if they are not
   * two unsigned decimal numbers.
   */
  public static long[] numbers(String value) {
    String[] parts = value.split(",", 3);
    if (parts.length < 2 || !digits(parts[0]) || !digits(parts[1])) return null;
    try {
      return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    } catch (NumberFormatException e) {
      return null; // more digits than a long holds
    }
  }

  private static boolean digits(String s) {
    if (s.isEmpty() || s.length() > 19) return false;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    }
    return true;
  }
}
