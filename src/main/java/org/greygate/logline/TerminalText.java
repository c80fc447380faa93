package org.greygate.logline;

import java.util.Locale;

/**
 * Text made harmless for a terminal: what a command prints may come from a log or a store a remote
 * client wrote into (a sender address, a HELO name), and a terminal obeys control characters in it
 * (ESC starts sequences that move the cursor, rewrite the screen or set the window title). Each C0
 * control, DEL and each C1 control is shown as {@code \xHH}; the line and paragraph separators and
 * the bidirectional overrides (which reorder what is shown) as {@code \\uHHHH}. Other text,
 * backslashes included, is left as it is.
 */
public final class TerminalText {
  private TerminalText() {}

  /** {@code s} with every character a terminal would obey shown instead. */
  public static String visible(String s) {
    int i = 0;
    int n = s.length();
    while (i < n && !control(s.charAt(i))) i++;
    if (i == n) return s;
    StringBuilder b = new StringBuilder(n + 16).append(s, 0, i);
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (!control(c)) {
        b.append(c);
      } else if (c < 0x100) {
        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    return b.toString();
  }

  /** A character a terminal acts on rather than shows (or that reorders what it shows). */
  public static boolean control(char c) {
    if (c < 0x20 || c >= 0x7f && c <= 0x9f) return true;
    if (c < 0x2000) return false;
    return c == '\u2028'
        || c == '\u2029'
        || c >= '\u202a' && c <= '\u202e' // LRE RLE PDF LRO RLO
        || c >= '\u2066' && c <= '\u2069' // LRI RLI FSI PDI
        || c == '\u200e'
        || c == '\u200f';
  }
}
