package org.greygate.migrate;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How a dump writes a field so that any text round-trips and a line stays one line: printable ASCII
 * as it is, a backslash as {@code \\}, and every other byte of the field's UTF-8 (controls, DEL,
 * everything beyond ASCII, and a space where spaces separate fields) as {@code \xHH}. A dump is
 * therefore plain ASCII, readable for ordinary keys, and unchanged by any terminal or locale.
 */
final class DumpEscape {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private DumpEscape() {}

  /**
   * {@code s} escaped; a space is escaped too unless {@code keepSpaces}. Text a store cannot hold
   * (a lone surrogate) is written as the store writes it, as '?'.
   */
  static String escape(String s, boolean keepSpaces) {
    int i = 0;
    while (i < s.length() && plain(s.charAt(i), keepSpaces)) i++;
    if (i == s.length()) return s;
    StringBuilder out = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (byte b : s.substring(i).getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '\\') {
        out.append("\\\\");
      } else if (plain((char) c, keepSpaces)) {
        out.append((char) c);
      } else {
        out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 15]);
      }
    }
    return out.toString();
  }

  private static boolean plain(char c, boolean keepSpaces) {
    return c > ' ' && c < 0x7f && c != '\\' || c == ' ' && keepSpaces;
  }

  /**
   * The text of an escaped field: bytes {@code [from, to)} of {@code line}, which must be printable
   * ASCII (a space only when {@code keepSpaces}), with escapes making valid UTF-8.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static String unescape(byte[] line, int from, int to, boolean keepSpaces) {
    byte[] out = new byte[to - from];
    int n = 0;
    for (int i = from; i < to; i++) {
      int c = line[i] & 0xff;
      if (c == '\\') {
        if (i + 1 < to && line[i + 1] == '\\') {
          out[n++] = '\\';
          i++;
        } else if (i + 3 < to && line[i + 1] == 'x' && hex(line[i + 2]) >= 0) {
          int lo = hex(line[i + 3]);
          if (lo < 0) throw new IllegalArgumentException("bad escape at byte " + (i + 1));
          out[n++] = (byte) (hex(line[i + 2]) << 4 | lo);
          i += 3;
        } else {
          throw new IllegalArgumentException(
              "bad escape at byte " + (i + 1) + " (expected \\\\ or \\xHH)");
        }
      } else if (plain((char) c, keepSpaces)) {
        out[n++] = (byte) c;
      } else {
        throw new IllegalArgumentException(
            String.format(
                "byte 0x%02x at byte %d must be written as \\x%02x in this dump format",
                c, i + 1, c));
      }
    }
    return utf8(out, 0, n);
  }

  private static int hex(byte b) {
    return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : -1;
  }

  /**
   * Bytes as UTF-8, strictly: text that is not UTF-8 is refused, never replaced.
   *
   * @throws IllegalArgumentException if the bytes are not UTF-8
   */
  static String utf8(byte[] b, int from, int length) {
    try {
      CharBuffer c =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b, from, length));
      return c.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8");
    }
  }
}
