package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;

/**
 * Macro expansion: the RFC's examples, section 7.3's truncation exactly as the RFC words it
 * (compared with a plain reference that expands everything, then drops labels one by one), and work
 * that grows with the domain-spec only, never with the sender's address, counted by {@link SpfWork}
 * rather than timed.
 */
class MacroExpanderTest {
  static final MacroExpander.Values RFC =
      new MacroExpander.Values(
          "strong-bad@email.example.com",
          "strong-bad",
          "email.example.com",
          IpAddress.parse("192.0.2.3"),
          "mx.example.org");

  static String expand(String spec, String domain, MacroExpander.Values v) {
    return MacroExpander.expandDomain(spec, domain, v, new SpfWork(Long.MAX_VALUE));
  }

  @Test
  void theExamplesOfSection7_4() {
    String d = "email.example.com";
    String[][] cases = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
      {"%{h}", "mx.example.org"},
      {"%{p}", "unknown"},
      {"%%%_%-", "% %20"},
      {"%{S}", "strong-bad%40email.example.com"},
      {"%{L2R-}", "bad.strong"},
    };
    for (String[] c : cases) assertEquals(c[1], expand(c[0], d, RFC), c[0]);
    var v6 =
        new MacroExpander.Values(
            "strong-bad@email.example.com",
            "strong-bad",
            "email.example.com",
            IpAddress.parse("2001:db8::cb01"),
            "h");
    assertEquals(
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
        expand("%{ir}.%{v}._spf.%{d2}", d, v6));
  }

  @Test
  void malformedMacrosAreSyntaxErrors() {
    for (String bad :
        new String[] {
          "%",
          "%x",
          "%{",
          "%{}",
          "%{s",
          "%{x}",
          "%{c}",
          "%{s0}",
          "%{s1000}",
          "%{s1r!}",
          "a b",
          "%{\u0130}",
          "%{s\u0661}",
          "caf\u00e9"
        }) {
      assertThrows(
          SpfRecord.SpfSyntaxException.class,
          () -> MacroExpander.checkSyntax(bad, "exists:" + bad),
          bad);
    }
    for (String good : new String[] {"%{s}", "%{S999r.-+,/_=}", "%%%_%-", "%{d}.x"}) {
      assertDoesNotThrowSyntax(good);
    }
  }

  private static void assertDoesNotThrowSyntax(String spec) {
    try {
      MacroExpander.checkSyntax(spec, spec);
    } catch (SpfRecord.SpfSyntaxException e) {
      throw new AssertionError(spec + ": " + e.getMessage(), e);
    }
  }

  @Test
  void truncationDropsWholeLabelsFromTheLeftToAtMost253() {
    // 300 characters: labels of 9 and their dots; the result is the longest suffix of whole labels
    String labels = "abcdefghi.".repeat(30) + "example";
    String out = expand("%{s}", "d.test", values(labels + "@x"));
    assertTrue(out.length() <= 253, out);
    assertTrue(("." + labels + "@x").endsWith("." + out), out);
    assertTrue(out.length() > 253 - 10, "no label more than needed is dropped: " + out.length());
    // exactly 253 is kept whole, 254 loses its first label
    String l253 =
        "a".repeat(61) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63);
    assertEquals(253, l253.length());
    assertEquals(l253, expand(l253, "d.test", RFC));
    assertEquals(l253.substring(62), expand("x" + l253, "d.test", RFC));
    // a trailing dot counts
    assertEquals(l253.substring(62) + ".", expand(l253 + ".", "d.test", RFC));
    // a single label longer than a name can be: no name comes out of it
    String huge = expand("%{l}", "d.test", values("a".repeat(2000) + "@x"));
    assertTrue(huge.length() > 253, huge);
    assertEquals("", expand("%{l}.", "d.test", values("a".repeat(300) + "@x")));
  }

  /**
   * Every spec and value drawn at random (ASCII), lengths around the 253 limit: the result is
   * exactly what expanding in full and dropping labels one by one gives.
   */
  @Test
  void truncationIsExactlyTheReferencesOnRandomInputs() {
    Random random = new Random(7208);
    String[] macros = {
      "%{s}",
      "%{l}",
      "%{o}",
      "%{d}",
      "%{i}",
      "%{h}",
      "%{v}",
      "%{p}",
      "%{S}",
      "%{L}",
      "%{sr}",
      "%{s2}",
      "%{s1r}",
      "%{l-}",
      "%{lr-}",
      "%{l3r-.}",
      "%{s=_}",
      "%{dr}",
      "%{d2}",
      "%{H+,/}",
      "%{s40r.-}",
      "%{s999}",
      "%%",
      "%_",
      "%-",
      ".",
      "x",
      "ab.",
      "-_."
    };
    String alphabet = "abc.-+,/_=@~%!";
    for (int n = 0; n < 5_000; n++) {
      StringBuilder local = new StringBuilder();
      int len = random.nextInt(random.nextBoolean() ? 40 : 700);
      for (int i = 0; i < len; i++) {
        local.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      StringBuilder host = new StringBuilder("h");
      for (int i = random.nextInt(80); i > 0; i--) {
        host.append(random.nextInt(4) == 0 ? '.' : (char) ('a' + random.nextInt(26)));
      }
      MacroExpander.Values v =
          new MacroExpander.Values(
              local + "@" + host,
              local.toString(),
              host.toString(),
              random.nextBoolean()
                  ? IpAddress.parse("192.0.2." + random.nextInt(256))
                  : IpAddress.parse("2001:db8::" + Integer.toHexString(random.nextInt(65536))),
              host.toString());
      StringBuilder spec = new StringBuilder();
      for (int i = random.nextInt(12); i >= 0; i--) {
        spec.append(macros[random.nextInt(macros.length)]);
      }
      String domain = "d" + host;
      String want = Reference.expandDomain(spec.toString(), domain, v);
      String got = expand(spec.toString(), domain, v);
      if (want.length() <= 253) {
        assertEquals(want, got, "spec " + spec + ", sender " + v.sender());
      } else {
        // the last label alone is too long: no name either way
        assertTrue(got.length() > 253 && got.indexOf('.') < 0, spec + " -> " + got);
        assertTrue(want.endsWith(got), spec + " -> " + got);
      }
    }
  }

  /**
   * The attack: a record of hundreds of {@code %{s}}, a sender of about 2,000 characters. The work
   * is a few hundred units a macro, the same for a 2,000-character address as for a 300-character
   * one, and grows linearly with the number of macros.
   */
  @Test
  void workGrowsWithTheSpecNotWithTheSender() {
    MacroExpander.Values longSender = values("a" + ".a".repeat(999) + "@hostile.test");
    MacroExpander.Values shortSender = values("a" + ".a".repeat(150) + "@hostile.test");
    long[] units = new long[4];
    int[] counts = {100, 200, 400, 800};
    for (int k = 0; k < counts.length; k++) {
      String spec = "%{s}".repeat(counts[k]);
      SpfWork work = new SpfWork(Long.MAX_VALUE);
      String out = MacroExpander.expandDomain(spec, "hostile.test", longSender, work);
      assertTrue(out.length() <= 253 && out.endsWith(".a@hostile.test"), out);
      units[k] = work.units();
      assertTrue(
          units[k] <= spec.length() + counts[k] * (3L * MacroExpander.TAIL),
          counts[k] + " macros: " + units[k] + " units");
      SpfWork shorter = new SpfWork(Long.MAX_VALUE);
      MacroExpander.expandDomain(spec, "hostile.test", shortSender, shorter);
      assertEquals(units[k], shorter.units(), "the sender's length beyond the tail is not read");
    }
    // doubling the macros doubles the work (within a rounding)
    for (int k = 1; k < counts.length; k++) {
      double ratio = (double) units[k] / units[k - 1];
      assertTrue(ratio > 1.9 && ratio < 2.1, "ratio " + ratio);
    }
    // reversed, the value is read from its start: its first label alone may be long, and the
    // whole of it is what a macro may read, never more
    MacroExpander.Values oneLabel = values("a".repeat(2000) + "@hostile.test");
    SpfWork work = new SpfWork(Long.MAX_VALUE);
    MacroExpander.expandDomain("%{sr}".repeat(100), "hostile.test", oneLabel, work);
    assertTrue(
        work.units() <= 500 + 100L * (oneLabel.sender().length() + 2 * MacroExpander.TAIL),
        work.units() + " units");
  }

  @Test
  void theWorkLimitStopsAnExpansion() {
    MacroExpander.Values v = values("a".repeat(2000) + "@hostile.test");
    SpfWork work = new SpfWork(SpfWork.LIMIT);
    assertThrows(
        SpfWork.Exceeded.class,
        () -> MacroExpander.expandDomain("%{sr}".repeat(1000), "hostile.test", v, work));
    assertTrue(work.units() <= SpfWork.LIMIT + 3 * 2000, "stopped soon after: " + work.units());
  }

  @Test
  void escapingIsUtf8PercentEncoding() {
    MacroExpander.Values v = values("caf\u00e9+\uD83D\uDE00 x@ex.test");
    assertEquals("caf%C3%A9%2B%F0%9F%98%80%20x", expand("%{L}", "d.test", v));
    assertEquals(
        Reference.escape("caf\u00e9+\uD83D\uDE00 x"), expand("%{L}", "d.test", v), "as reference");
  }

  static MacroExpander.Values values(String sender) {
    int at = sender.lastIndexOf('@');
    return new MacroExpander.Values(
        sender,
        sender.substring(0, at),
        sender.substring(at + 1),
        IpAddress.parse("192.0.2.3"),
        "mx.example.org");
  }

  /**
   * The plain reading of section 7: each macro's value split, reversed, cut, joined and escaped in
   * full, the whole expansion built, then labels dropped one at a time. Quadratic; here only to say
   * what the answer is.
   */
  static final class Reference {
    static String expandDomain(String spec, String domain, MacroExpander.Values v) {
      String out = expand(spec, domain, v);
      int from = 0;
      while (out.length() - from > 253) {
        int dot = out.indexOf('.', from);
        if (dot < 0) break;
        from = dot + 1;
      }
      return out.substring(from);
    }

    static String expand(String spec, String domain, MacroExpander.Values v) {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < spec.length(); i++) {
        char c = spec.charAt(i);
        if (c != '%') {
          out.append(c);
          continue;
        }
        char n = spec.charAt(++i);
        switch (n) {
          case '%' -> out.append('%');
          case '_' -> out.append(' ');
          case '-' -> out.append("%20");
          default -> {
            int close = spec.indexOf('}', i);
            out.append(macro(spec.substring(i + 1, close), domain, v));
            i = close;
          }
        }
      }
      return out.toString();
    }

    static String macro(String body, String domain, MacroExpander.Values v) {
      char letter = body.charAt(0);
      String value =
          switch (Character.toLowerCase(letter)) {
            case 's' -> v.sender();
            case 'l' -> v.localPart();
            case 'o' -> v.senderDomain();
            case 'd' -> domain;
            case 'i' -> MacroExpander.dotted(v.ip());
            case 'p' -> "unknown";
            case 'v' -> v.ip().isV4() ? "in-addr" : "ip6";
            default -> v.helo();
          };
      int i = 1;
      while (i < body.length() && Character.isDigit(body.charAt(i))) i++;
      int keep = i > 1 ? Integer.parseInt(body.substring(1, i)) : 0;
      boolean reverse = i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R');
      String delims = body.substring(reverse ? i + 1 : i);
      if (delims.isEmpty()) delims = ".";
      List<String> parts = new ArrayList<>();
      int start = 0;
      for (int j = 0; j < value.length(); j++) {
        if (delims.indexOf(value.charAt(j)) >= 0) {
          parts.add(value.substring(start, j));
          start = j + 1;
        }
      }
      parts.add(value.substring(start));
      if (reverse) Collections.reverse(parts);
      if (keep > 0 && keep < parts.size()) parts = parts.subList(parts.size() - keep, parts.size());
      value = String.join(".", parts);
      return Character.isUpperCase(letter) ? escape(value) : value;
    }

    static String escape(String value) {
      StringBuilder out = new StringBuilder();
      for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
        int c = b & 0xff;
        if (c < 0x80 && Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0) {
          out.append((char) c);
        } else {
          out.append('%').append(String.format("%02X", c));
        }
      }
      return out.toString();
    }
  }
}
