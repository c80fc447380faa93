package org.greygate.logline;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads a log a line at a time, each line at most {@code maxChars} long: a longer line is read
 * through to its end, dropped and counted, so a file of one 700 MB line costs no more memory than a
 * file of short ones. Lines end at {@code \n} only (a {@code \r} before it is dropped): a lone
 * {@code \r} inside a line does not start a new one, so it cannot make text a client sent look like
 * a line of its own. Not thread-safe.
 */
public final class BoundedLines implements Closeable {
  /** The longest line kept: syslog's own limits are 8 KiB (rsyslog) or less. */
  public static final int MAX_LINE = 64 * 1024;

  private final Reader in;
  private final int maxChars;
  private final char[] buffer = new char[16 * 1024];
  private final StringBuilder line = new StringBuilder(256);
  private int pos;
  private int end;
  private long overLong;
  private boolean eof;

  public BoundedLines(Reader in, int maxChars) {
    if (maxChars < 1) throw new IllegalArgumentException("maxChars must be positive");
    this.in = in;
    this.maxChars = maxChars;
  }

  /** The next line no longer than the limit, or null at the end of the input. */
  public String next() throws IOException {
    line.setLength(0);
    boolean tooLong = false;
    boolean any = false;
    while (true) {
      if (pos == end) {
        if (eof || !fill()) {
          if (!any) return null;
          if (tooLong || line.length() > maxChars) {
            overLong++;
            return null;
          }
          return line.toString(); // a last line without its newline
        }
      }
      any = true;
      int start = pos;
      while (pos < end && buffer[pos] != '\n') pos++;
      if (!tooLong) {
        int n = pos - start;
        if (line.length() + n > maxChars + 1) { // + 1: a '\r' before the newline
          tooLong = true;
          line.setLength(0);
        } else {
          line.append(buffer, start, n);
        }
      }
      if (pos < end) {
        pos++; // the newline
        int n = line.length();
        if (!tooLong && n > 0 && line.charAt(n - 1) == '\r') line.setLength(--n);
        if (tooLong || n > maxChars) {
          overLong++;
          line.setLength(0);
          tooLong = false;
          any = false;
          continue;
        }
        return line.toString();
      }
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buffer, 0, buffer.length);
    if (n < 0) {
      eof = true;
      pos = end = 0;
      return false;
    }
    pos = 0;
    end = n;
    return true;
  }

  /** Lines dropped so far for being longer than the limit. */
  public long overLong() {
    return overLong;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
