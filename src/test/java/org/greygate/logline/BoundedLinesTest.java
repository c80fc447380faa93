package org.greygate.logline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedLinesTest {
  static List<String> lines(Reader in, int max, long[] overLong) throws IOException {
    List<String> out = new ArrayList<>();
    try (BoundedLines l = new BoundedLines(in, max)) {
      for (String s = l.next(); s != null; s = l.next()) out.add(s);
      overLong[0] = l.overLong();
    }
    return out;
  }

  @Test
  void linesEndAtNewlineOnlyAndLongOnesAreDroppedAndCounted() throws IOException {
    long[] over = {0};
    assertEquals(
        List.of("a", "b\rc", "", "d", "last"),
        lines(new StringReader("a\nb\rc\r\n\nd\r\n12345678901\nlast"), 10, over));
    assertEquals(1, over[0]);
    assertEquals(List.of("1234567890"), lines(new StringReader("1234567890\r\n"), 10, over));
    assertEquals(0, over[0]);
    assertEquals(List.of("x"), lines(new StringReader("x\n12345678901"), 10, over));
    assertEquals(1, over[0], "an over-long last line without its newline");
    assertEquals(List.of(), lines(new StringReader(""), 10, over));
    assertEquals(List.of(""), lines(new StringReader("\n"), 10, over));
  }

  @Test
  void everySplitOfTheInputReadsTheSame() throws IOException {
    String text = "one\ntwo\r\n" + "x".repeat(40) + "\nthree\n\nfour";
    long[] over = {0};
    List<String> whole = lines(new StringReader(text), 20, over);
    assertEquals(List.of("one", "two", "three", "", "four"), whole);
    for (int chunk = 1; chunk < 8; chunk++) {
      int size = chunk;
      Reader trickle =
          new StringReader(text) {
            @Override
            public int read(char[] b, int off, int len) throws IOException {
              return super.read(b, off, Math.min(len, size));
            }
          };
      assertEquals(whole, lines(trickle, 20, over), "chunks of " + size);
      assertEquals(1, over[0]);
    }
  }

  @Test
  void aGigabyteLineIsReadThroughInBoundedMemory() throws IOException {
    long size = 1L << 30; // 2 GB as chars: more than the test JVM's whole heap
    byte[] tail = "\nafter\n".getBytes(StandardCharsets.US_ASCII);
    InputStream endless =
        new InputStream() {
          long at;

          @Override
          public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0];
          }

          @Override
          public int read(byte[] b, int off, int len) {
            if (at >= size + tail.length) return -1;
            int n;
            if (at < size) {
              n = (int) Math.min(len, size - at);
              java.util.Arrays.fill(b, off, off + n, (byte) 'a');
            } else {
              n = (int) Math.min(len, size + tail.length - at);
              System.arraycopy(tail, (int) (at - size), b, off, n);
            }
            at += n;
            return n;
          }
        };
    long[] over = {0};
    assertEquals(
        List.of("after"),
        lines(new InputStreamReader(endless, StandardCharsets.UTF_8), BoundedLines.MAX_LINE, over));
    assertEquals(1, over[0]);
  }
}
