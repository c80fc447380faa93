package org.greygate.migrate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Reads Berkeley DB's printable dump ({@code db_dump -p}) of a Postgrey database: a header up to
 * {@code HEADER=END}, then key and value lines alternating, each starting with a space, with
 * non-printable bytes written as {@code \hh} and a backslash as {@code \\}. Feed it the dump
 * through {@link #stream}; keys and values come out decoded as UTF-8, as greygate keys are.
 */
public final class PostgreyDump {
  private PostgreyDump() {}

  /**
   * Calls {@code row} for every key/value pair.
   *
   * @throws IOException if the input is not a printable dump
   */
  public static void read(Reader input, BiConsumer<String, String> row) throws IOException {
    BufferedReader in = new BufferedReader(input);
    String line;
    boolean data = false;
    int n = 0;
    String key = null;
    while ((line = in.readLine()) != null) {
      n++;
      if (!data) {
        if (line.equals("HEADER=END")) data = true;
        else if (line.startsWith("format=") && !line.equals("format=print")) {
          throw new IOException(
              "line " + n + ": expected a printable dump (db_dump -p), got " + line);
        }
        continue;
      }
      if (line.equals("DATA=END")) {
        data = false;
        key = null;
        continue;
      }
      if (!line.startsWith(" ")) {
        throw new IOException("line " + n + ": expected a key or value line starting with a space");
      }
      String text = unescape(line.substring(1), n);
      if (key == null) {
        key = text;
      } else {
        row.accept(key, text);
        key = null;
      }
    }
  }

  static String unescape(String s, int lineNumber) throws IOException {
    if (s.indexOf('\\') < 0) {
      // read as ISO-8859-1 (one char per byte): the bytes are UTF-8, as greygate's keys are
      return new String(s.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.write(c);
        continue;
      }
      if (i + 1 < s.length() && s.charAt(i + 1) == '\\') {
        out.write('\\');
        i++;
      } else if (i + 2 < s.length()
          && Character.digit(s.charAt(i + 1), 16) >= 0
          && Character.digit(s.charAt(i + 2), 16) >= 0) {
        out.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else {
        throw new IOException("line " + lineNumber + ": bad escape in " + s);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Postgrey's value "first,last[,host]" or "count,last": the two numbers, or null if malformed.
   */
  public static long[] numbers(String value) {
    String[] parts = value.split(",");
    if (parts.length < 2) return null;
    try {
      return new long[] {Long.parseLong(parts[0].strip()), Long.parseLong(parts[1].strip())};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The dump's bytes as characters one to one, so escapes and raw bytes survive. */
  public static Reader stream(java.io.InputStream in) {
    return new InputStreamReader(in, StandardCharsets.ISO_8859_1);
  }
}
