package org.greygate.spf;

import org.greygate.inet.IpAddress;

/**
 * SPF macros (RFC 7208 section 7): {@code %{s} %{l} %{o} %{d} %{i} %{p} %{v} %{h}}, with the
 * optional count of right-hand parts to keep, {@code r} to reverse, and delimiters; an upper-case
 * letter URL-escapes the value; {@code %% %_ %-} are a percent, a space and {@code %20}. The
 * explanation-only letters ({@code c r t}) are refused in domain-specs.
 *
 * <p>{@code %{p}} (the client's validated name, which the RFC asks not to use) expands to {@code
 * unknown}, the value the RFC gives when no name is validated, without the PTR lookups.
 *
 * <p>Bounded by construction: section 7.3 keeps at most the last 253 characters of an expansion
 * (whole labels), so only its last {@link #TAIL} characters are ever kept, and each macro writes
 * only the part of its value that can reach them. An expansion costs the length of the domain-spec
 * plus a few hundred characters a macro, whatever the sender's address: a record of hundreds of
 * {@code %{s}} and a local part of thousands of characters cost what a short one does. The work is
 * counted in the check's {@link SpfWork}.
 */
final class MacroExpander {
  /** The longest domain name in text form; section 7.3 cuts longer expansions to it. */
  static final int MAX_NAME = 253;

  /** The end of an expansion that decides its truncation: a name and the dot before it. */
  static final int TAIL = MAX_NAME + 1;

  private static final String DELIMITERS = ".-+,/_=";

  /** For each ASCII character, its bit among the delimiters (0: not one). */
  private static final byte[] DELIMITER_BIT = new byte[128];

  /** The default delimiter set: a dot, which a dot replaces. */
  private static final int DOT = 1;

  static {
    for (int k = 0; k < DELIMITERS.length(); k++)
      DELIMITER_BIT[DELIMITERS.charAt(k)] = (byte) (1 << k);
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private MacroExpander() {}

  /** The values one check_host() call expands from. */
  record Values(String sender, String localPart, String senderDomain, IpAddress ip, String helo) {}

  /** Refuses a malformed macro-string at parse time (permerror for the whole record). */
  static void checkSyntax(String spec, String term) throws SpfRecord.SpfSyntaxException {
    try {
      expand(spec, null, null, null, null);
    } catch (IllegalArgumentException e) {
      throw new SpfRecord.SpfSyntaxException(e.getMessage() + " in '" + term + "'");
    }
  }

  /**
   * The domain-spec with its macros expanded for {@code domain} (the current domain), cut to 253
   * characters by dropping labels from the left, as section 7.3 says. When the last label alone is
   * longer than that, no name can be made: the result is its last {@link #TAIL} characters, which
   * no lookup accepts.
   *
   * @throws IllegalArgumentException when a macro is malformed
   * @throws SpfWork.Exceeded when the check's work runs over its limit
   */
  static String expandDomain(String spec, String domain, Values v, SpfWork work) {
    Tail out = new Tail();
    expand(spec, domain, v, out, work);
    return out.name();
  }

  /** Expands into {@code out}, or only checks the syntax when {@code out} is null. */
  private static void expand(String spec, String domain, Values v, Tail out, SpfWork work) {
    if (work != null) work.expansion(spec.length());
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c != '%') {
        if (c < 0x21 || c > 0x7e) throw new IllegalArgumentException("bad character");
        if (out != null) out.append(c);
        continue;
      }
      if (i + 1 >= spec.length()) throw new IllegalArgumentException("lone '%'");
      char n = spec.charAt(++i);
      switch (n) {
        case '%' -> {
          if (out != null) out.append('%');
        }
        case '_' -> {
          if (out != null) out.append(' ');
        }
        case '-' -> {
          if (out != null) out.append('%').append('2').append('0');
        }
        case '{' -> {
          int close = spec.indexOf('}', i);
          if (close < 0) throw new IllegalArgumentException("unclosed '%{'");
          macro(spec, i + 1, close, domain, v, out, work);
          i = close;
        }
        default -> throw new IllegalArgumentException("bad macro '%" + n + "'");
      }
    }
  }

  /** The macro {@code spec[from, to)}: letter, digits, {@code r}, delimiters. */
  private static void macro(
      String spec, int from, int to, String domain, Values v, Tail out, SpfWork work) {
    if (from == to) throw new IllegalArgumentException("empty macro '%{}'");
    char letter = spec.charAt(from);
    boolean upper = letter >= 'A' && letter <= 'Z';
    char lower = upper ? (char) (letter + ('a' - 'A')) : letter;
    if ("slodipvh".indexOf(lower) < 0) {
      throw new IllegalArgumentException("bad macro letter '" + letter + "'");
    }
    int i = from + 1;
    int keep = 0;
    int digits = 0;
    while (i < to && spec.charAt(i) >= '0' && spec.charAt(i) <= '9') {
      if (++digits > 3) throw new IllegalArgumentException("macro count too long");
      keep = keep * 10 + (spec.charAt(i) - '0');
      i++;
    }
    if (digits > 0 && keep == 0) throw new IllegalArgumentException("macro count 0");
    boolean reverse = false;
    if (i < to && (spec.charAt(i) == 'r' || spec.charAt(i) == 'R')) {
      reverse = true;
      i++;
    }
    int delimiters = 0; // bit k: DELIMITERS.charAt(k)
    for (; i < to; i++) {
      int k = DELIMITERS.indexOf(spec.charAt(i));
      if (k < 0) throw new IllegalArgumentException("bad delimiter '" + spec.charAt(i) + "'");
      delimiters |= 1 << k;
    }
    if (delimiters == 0) delimiters = DOT;
    if (out == null) return;
    String value =
        switch (lower) {
          case 's' -> v.sender();
          case 'l' -> v.localPart();
          case 'o' -> v.senderDomain();
          case 'd' -> domain;
          case 'i' -> dotted(v.ip());
          case 'p' -> "unknown";
          case 'v' -> v.ip().isV4() ? "in-addr" : "ip6";
          default -> v.helo(); // 'h'
        };
    if (reverse) {
      reversed(value, keep, delimiters, upper, out, work);
    } else {
      forward(value, keep, delimiters, upper, out, work);
    }
  }

  /**
   * The rightmost {@code keep} parts (0: all) in their order, joined by dots: the end of the value
   * itself, delimiters turned into dots. Only its last {@code TAIL + 1} characters can reach the
   * expansion's tail, so no more are read.
   */
  private static void forward(
      String value, int keep, int delimiters, boolean escape, Tail out, SpfWork work) {
    int n = value.length();
    int stop = Math.max(0, n - (TAIL + 1));
    int start = stop;
    if (keep > 0) {
      // where the kept parts start, if within reach
      int parts = 1;
      start = n;
      while (start > stop) {
        if (isDelimiter(value.charAt(start - 1), delimiters)) {
          if (parts == keep) break;
          parts++;
        }
        start--;
      }
      work.spend(n - start);
    }
    append(value, start, n, delimiters, escape, out, work);
  }

  /**
   * The list reversed, then its rightmost {@code keep} parts: the first {@code keep} parts of the
   * value, last first. The expansion ends with the value's first part, so parts are read from the
   * start until they fill the tail.
   */
  private static void reversed(
      String value, int keep, int delimiters, boolean escape, Tail out, SpfWork work) {
    int n = value.length();
    // at most TAIL + 2 parts fill the tail: each costs at least its dot
    int[] bounds = new int[2 * Math.min(keep == 0 ? TAIL + 2 : keep, TAIL + 2)];
    int count = 0;
    int length = -1;
    int pos = 0;
    while (true) {
      int end = pos;
      while (end < n && !isDelimiter(value.charAt(end), delimiters)) end++;
      bounds[2 * count] = pos;
      bounds[2 * count + 1] = end;
      count++;
      length += end - pos + 1;
      if (end == n || count * 2 == bounds.length || length > TAIL) {
        work.spend(end);
        break;
      }
      pos = end + 1;
    }
    for (int j = count - 1; j >= 0; j--) {
      int from = bounds[2 * j];
      int to = bounds[2 * j + 1];
      if (j == count - 1) from = Math.max(from, to - (TAIL + 1));
      else out.append('.');
      append(value, from, to, delimiters, escape, out, work);
    }
    work.spend(count);
  }

  private static boolean isDelimiter(char c, int delimiters) {
    return c < 128 && (DELIMITER_BIT[c] & delimiters) != 0;
  }

  /** {@code value[from, to)}, delimiters as dots, URL-escaped when {@code escape}. */
  private static void append(
      String value, int from, int to, int delimiters, boolean escape, Tail out, SpfWork work) {
    if (!escape && delimiters == DOT) {
      // the value as it is: copied whole
      out.append(value, from, to);
      work.spend(to - from);
      return;
    }
    int written = 0;
    for (int i = from; i < to; i++) {
      char c = value.charAt(i);
      if (isDelimiter(c, delimiters)) c = '.';
      if (!escape || unreserved(c)) {
        out.append(c);
        written++;
        continue;
      }
      // RFC 3986 percent-encoding of the character's UTF-8 bytes (a lone surrogate is '?', as
      // String.getBytes has it)
      int cp = c;
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < to
            && Character.isLowSurrogate(value.charAt(i + 1))) {
          cp = Character.toCodePoint(c, value.charAt(++i));
        } else {
          cp = '?';
        }
      }
      if (cp < 0x80) {
        percent(out, cp);
        written += 3;
      } else if (cp < 0x800) {
        percent(out, 0xc0 | cp >> 6);
        percent(out, 0x80 | cp & 0x3f);
        written += 6;
      } else if (cp < 0x10000) {
        percent(out, 0xe0 | cp >> 12);
        percent(out, 0x80 | cp >> 6 & 0x3f);
        percent(out, 0x80 | cp & 0x3f);
        written += 9;
      } else {
        percent(out, 0xf0 | cp >> 18);
        percent(out, 0x80 | cp >> 12 & 0x3f);
        percent(out, 0x80 | cp >> 6 & 0x3f);
        percent(out, 0x80 | cp & 0x3f);
        written += 12;
      }
    }
    work.spend(written);
  }

  private static void percent(Tail out, int b) {
    out.append('%').append(HEX[b >> 4 & 0xf]).append(HEX[b & 0xf]);
  }

  private static boolean unreserved(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /** The address as %{i} gives it: dotted quad, or 32 dotted nibbles for IPv6. */
  static String dotted(IpAddress ip) {
    if (ip.isV4()) return ip.toString();
    byte[] b = ip.toBytes();
    char[] hex = "0123456789abcdef".toCharArray();
    StringBuilder s = new StringBuilder(63);
    for (byte x : b) {
      if (s.length() > 0) s.append('.');
      s.append(hex[(x >> 4) & 0xf]).append('.').append(hex[x & 0xf]);
    }
    return s.toString();
  }

  /**
   * The last {@link #TAIL} characters (at least) of an expansion, and whether there were more: all
   * that section 7.3's truncation reads. Appending is amortised constant time; memory is bounded.
   */
  private static final class Tail {
    private final StringBuilder chars = new StringBuilder(2 * TAIL);
    private boolean cut;

    Tail append(char c) {
      if (chars.length() == 2 * TAIL) {
        chars.delete(0, TAIL);
        cut = true;
      }
      chars.append(c);
      return this;
    }

    void append(String s, int from, int to) {
      if (to - from >= TAIL) {
        // the chunk's end is all that can be kept
        cut |= chars.length() > 0 || to - from > TAIL;
        chars.setLength(0);
        chars.append(s, to - TAIL, to);
        return;
      }
      if (chars.length() + (to - from) > 2 * TAIL) {
        chars.delete(0, chars.length() - TAIL);
        cut = true;
      }
      chars.append(s, from, to);
    }

    /**
     * Section 7.3: labels dropped from the left until at most 253 characters are left. The result
     * is the longest suffix of at most 253 characters that starts a label; it starts after the
     * first dot among the last {@link #TAIL} characters.
     */
    String name() {
      int length = chars.length();
      if (!cut && length <= MAX_NAME) return chars.toString();
      int from = length - TAIL;
      int dot = chars.indexOf(".", from);
      return dot < 0 ? chars.substring(from) : chars.substring(dot + 1);
    }
  }
}
