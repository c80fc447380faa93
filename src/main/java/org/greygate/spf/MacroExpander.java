package org.greygate.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.greygate.inet.IpAddress;

/**
 * SPF macros (RFC 7208 section 7): {@code %{s} %{l} %{o} %{d} %{i} %{p} %{v} %{h}}, with the
 * optional count of right-hand parts to keep, {@code r} to reverse, and delimiters; an upper-case
 * letter URL-escapes the value; {@code %% %_ %-} are a percent, a space and {@code %20}. The
 * explanation-only letters ({@code c r t}) are refused in domain-specs.
 *
 * <p>{@code %{p}} (the client's validated name, which the RFC asks not to use) expands to {@code
 * unknown}, the value the RFC gives when no name is validated, without the PTR lookups.
 */
final class MacroExpander {
  private static final String DELIMITERS = ".-+,/_=";

  private MacroExpander() {}

  /** The values one check_host() call expands from. */
  record Values(String sender, String localPart, String senderDomain, IpAddress ip, String helo) {}

  /** Refuses a malformed macro-string at parse time (permerror for the whole record). */
  static void checkSyntax(String spec, String term) throws SpfRecord.SpfSyntaxException {
    try {
      expand(
          spec, "example.org", new Values("a@b.c", "a", "b.c", IpAddress.parse("192.0.2.1"), "h"));
    } catch (IllegalArgumentException e) {
      throw new SpfRecord.SpfSyntaxException(e.getMessage() + " in '" + term + "'");
    }
  }

  /**
   * The domain-spec with its macros expanded for {@code domain} (the current domain), cut to 253
   * characters by dropping labels from the left, as section 7.3 says.
   *
   * @throws IllegalArgumentException when a macro is malformed
   */
  static String expandDomain(String spec, String domain, Values v) {
    String out = expand(spec, domain, v);
    while (out.length() > 253) {
      int dot = out.indexOf('.');
      if (dot < 0) return out;
      out = out.substring(dot + 1);
    }
    return out;
  }

  static String expand(String spec, String domain, Values v) {
    StringBuilder out = new StringBuilder(spec.length() + 16);
    for (int i = 0; i < spec.length(); i++) {
      char c = spec.charAt(i);
      if (c != '%') {
        if (c < 0x21 || c > 0x7e) throw new IllegalArgumentException("bad character");
        out.append(c);
        continue;
      }
      if (i + 1 >= spec.length()) throw new IllegalArgumentException("lone '%'");
      char n = spec.charAt(++i);
      switch (n) {
        case '%' -> out.append('%');
        case '_' -> out.append(' ');
        case '-' -> out.append("%20");
        case '{' -> {
          int close = spec.indexOf('}', i);
          if (close < 0) throw new IllegalArgumentException("unclosed '%{'");
          out.append(macro(spec.substring(i + 1, close), domain, v));
          i = close;
        }
        default -> throw new IllegalArgumentException("bad macro '%" + n + "'");
      }
    }
    return out.toString();
  }

  private static String macro(String body, String domain, Values v) {
    if (body.isEmpty()) throw new IllegalArgumentException("empty macro '%{}'");
    char letter = body.charAt(0);
    String value =
        switch (Character.toLowerCase(letter)) {
          case 's' -> v.sender();
          case 'l' -> v.localPart();
          case 'o' -> v.senderDomain();
          case 'd' -> domain;
          case 'i' -> dotted(v.ip());
          case 'p' -> "unknown";
          case 'v' -> v.ip().isV4() ? "in-addr" : "ip6";
          case 'h' -> v.helo();
          default -> throw new IllegalArgumentException("bad macro letter '" + letter + "'");
        };
    int i = 1;
    int digits = 0;
    int keep = -1;
    while (i < body.length() && Character.isDigit(body.charAt(i))) {
      digits++;
      i++;
    }
    if (digits > 0) {
      if (digits > 3) throw new IllegalArgumentException("macro count too long");
      keep = Integer.parseInt(body.substring(1, 1 + digits));
      if (keep == 0) throw new IllegalArgumentException("macro count 0");
    }
    boolean reverse = false;
    if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
      reverse = true;
      i++;
    }
    String delims = body.substring(i);
    for (char d : delims.toCharArray()) {
      if (DELIMITERS.indexOf(d) < 0)
        throw new IllegalArgumentException("bad delimiter '" + d + "'");
    }
    if (delims.isEmpty()) delims = ".";
    if (digits > 0 || reverse || !delims.equals(".")) {
      List<String> parts = split(value, delims);
      if (reverse) Collections.reverse(parts);
      if (keep > 0 && keep < parts.size()) parts = parts.subList(parts.size() - keep, parts.size());
      value = String.join(".", parts);
    }
    return Character.isUpperCase(letter) ? escape(value) : value;
  }

  private static List<String> split(String value, String delims) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < value.length(); i++) {
      if (delims.indexOf(value.charAt(i)) >= 0) {
        parts.add(value.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(value.substring(start));
    return parts;
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

  /** RFC 3986 percent-encoding of everything but the unreserved characters. */
  private static String escape(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (Character.isLetterOrDigit(c) && c < 0x80 || "-._~".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }
}
