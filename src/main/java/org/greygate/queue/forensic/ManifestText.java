package org.greygate.queue.forensic;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How a manifest writes a value: every byte of its UTF-8 form outside {@code !} to {@code ~}, and
 * {@code %} itself, as {@code %XX} (upper-case hex). A file name with a newline, a tab, an escape
 * or any other control character therefore stays on its line, prints harmlessly on a terminal, and
 * reads back exactly. Stateless.
 */
final class ManifestText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private ManifestText() {}

  static String encode(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c < 0x21 || c > 0x7e || c == '%') {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }

  /**
   * @throws IllegalArgumentException when {@code text} is not what {@link #encode} writes: a
   *     character it would have escaped, a {@code %} without two upper-case hex digits, or bytes
   *     that are not UTF-8
   */
  static String decode(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        if (i + 2 >= text.length()) {
          throw new IllegalArgumentException("a '%' without two hex digits");
        }
        int hi = hex(text.charAt(i + 1));
        int lo = hex(text.charAt(i + 2));
        int b = hi << 4 | lo;
        if (b >= 0x21 && b <= 0x7e && b != '%') {
          throw new IllegalArgumentException(
              "'%" + text.substring(i + 1, i + 3) + "' needs no escape");
        }
        bytes.write(b);
        i += 2;
      } else if (c < 0x21 || c > 0x7e) {
        throw new IllegalArgumentException("an unescaped character " + (int) c);
      } else {
        bytes.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("escaped bytes that are not UTF-8");
    }
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw new IllegalArgumentException("a '%' without two upper-case hex digits");
  }
}
