package org.greygate.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The lines of a byte stream, each ended by LF (and the last by the end of the stream), of at most
 * {@link #MAX_BYTES} bytes: a longer line is refused by its number as soon as it passes the bound,
 * so memory stays bounded whatever the stream holds. A CR is an ordinary byte here; what a line may
 * hold is the parser's business. Not thread-safe.
 */
final class BoundedLines {
  /** Far above any line a dump holds (a key is at most 511 bytes, four times that escaped). */
  static final int MAX_BYTES = 65_536;

  private final InputStream in;
  private final String source;
  private final int max;
  private final byte[] chunk = new byte[1 << 16];
  private int pos;
  private int lim;
  private byte[] buf = new byte[256];
  private long number;

  BoundedLines(InputStream in, String source) {
    this(in, source, MAX_BYTES);
  }

  BoundedLines(InputStream in, String source, int max) {
    this.in = in;
    this.source = source;
    this.max = max;
  }

  /**
   * The next line without its LF, or {@code null} at the end of the stream.
   *
   * @throws MalformedInput when the line is longer than the bound
   */
  byte[] next() throws IOException {
    if (pos == lim && !fill()) return null;
    number++;
    int n = 0;
    while (true) {
      int start = pos;
      int lf = start;
      while (lf < lim && chunk[lf] != '\n') lf++;
      int run = lf - start;
      if (n + run > max) {
        throw new MalformedInput(source, number, "line longer than " + max + " bytes");
      }
      if (n + run > buf.length)
        buf = Arrays.copyOf(buf, Math.min(max, Math.max(2 * buf.length, n + run)));
      System.arraycopy(chunk, start, buf, n, run);
      n += run;
      pos = lf;
      if (lf < lim) {
        pos++; // the LF
        return Arrays.copyOf(buf, n);
      }
      if (!fill()) return Arrays.copyOf(buf, n); // the last line, without LF
    }
  }

  private boolean fill() throws IOException {
    int r = in.read(chunk, 0, chunk.length);
    while (r == 0) r = in.read(chunk, 0, chunk.length);
    pos = 0;
    lim = Math.max(r, 0);
    return r > 0;
  }

  /** The number of the line {@link #next} returned last, from 1. */
  long number() {
    return number;
  }

  String source() {
    return source;
  }
}
