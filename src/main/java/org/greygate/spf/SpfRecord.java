package org.greygate.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.greygate.inet.IpAddress;

/**
 * One SPF record ({@code v=spf1 ...}) parsed into its terms, RFC 7208 section 4.6 and 12. A record
 * with a syntax error anywhere is refused whole ({@link SpfSyntaxException}: permerror), before any
 * of it is evaluated, as the RFC asks.
 *
 * @param directives the mechanisms, in order
 * @param redirect the redirect modifier's domain-spec, or null
 */
record SpfRecord(List<Directive> directives, String redirect) {

  /** A term that is not one: a permerror. */
  static final class SpfSyntaxException extends Exception {
    SpfSyntaxException(String message) {
      super(message);
    }
  }

  enum Mechanism {
    ALL,
    INCLUDE,
    A,
    MX,
    PTR,
    IP4,
    IP6,
    EXISTS
  }

  /**
   * @param qualifier {@code + - ~ ?}
   * @param domainSpec the target (macros unexpanded), null when the mechanism has none
   * @param network for ip4/ip6
   * @param cidr4 prefix for IPv4 matches (a, mx, ip4)
   * @param cidr6 prefix for IPv6 matches (a, mx, ip6)
   */
  record Directive(
      char qualifier,
      Mechanism mechanism,
      String domainSpec,
      IpAddress network,
      int cidr4,
      int cidr6,
      String text) {
    /** Whether this mechanism costs one of the ten DNS lookups. */
    boolean countsLookup() {
      return switch (mechanism) {
        case INCLUDE, A, MX, PTR, EXISTS -> true;
        default -> false;
      };
    }
  }

  /** Whether a TXT string is an SPF version 1 record (section 4.5). */
  static boolean isSpf1(String txt) {
    return txt.regionMatches(true, 0, "v=spf1", 0, 6)
        && (txt.length() == 6 || txt.charAt(6) == ' ');
  }

  static SpfRecord parse(String txt) throws SpfSyntaxException {
    List<Directive> directives = new ArrayList<>();
    String redirect = null;
    boolean exp = false;
    for (String term : txt.substring(6).split(" ")) {
      if (term.isEmpty()) continue;
      int eq = modifierEquals(term);
      if (eq > 0) {
        String name = term.substring(0, eq).toLowerCase(Locale.ROOT);
        String value = term.substring(eq + 1);
        MacroExpander.checkSyntax(value, term);
        if (name.equals("redirect")) {
          if (redirect != null) throw new SpfSyntaxException("two redirect= modifiers");
          if (value.isEmpty()) throw new SpfSyntaxException("redirect= without a domain");
          redirect = value;
        } else if (name.equals("exp")) {
          if (exp) throw new SpfSyntaxException("two exp= modifiers");
          exp = true; // explanations are for rejections; greylisting never shows one
        }
        // unknown modifiers are ignored (section 6)
        continue;
      }
      directives.add(directive(term));
    }
    return new SpfRecord(List.copyOf(directives), redirect);
  }

  private static Directive directive(String term) throws SpfSyntaxException {
    char qualifier = '+';
    String rest = term;
    if ("+-~?".indexOf(rest.charAt(0)) >= 0) {
      qualifier = rest.charAt(0);
      rest = rest.substring(1);
    }
    int end = 0;
    while (end < rest.length() && rest.charAt(end) != ':' && rest.charAt(end) != '/') end++;
    String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
    String args = rest.substring(end);
    Mechanism mech =
        switch (name) {
          case "all" -> Mechanism.ALL;
          case "include" -> Mechanism.INCLUDE;
          case "a" -> Mechanism.A;
          case "mx" -> Mechanism.MX;
          case "ptr" -> Mechanism.PTR;
          case "ip4" -> Mechanism.IP4;
          case "ip6" -> Mechanism.IP6;
          case "exists" -> Mechanism.EXISTS;
          default -> throw new SpfSyntaxException("unknown mechanism '" + term + "'");
        };
    switch (mech) {
      case ALL -> {
        if (!args.isEmpty()) throw new SpfSyntaxException("'all' takes nothing: '" + term + "'");
        return new Directive(qualifier, mech, null, null, 32, 128, term);
      }
      case INCLUDE, EXISTS -> {
        if (!args.startsWith(":") || args.length() == 1) {
          throw new SpfSyntaxException(name + " needs ':domain': '" + term + "'");
        }
        String spec = args.substring(1);
        MacroExpander.checkSyntax(spec, term);
        return new Directive(qualifier, mech, spec, null, 32, 128, term);
      }
      case PTR -> {
        String spec = null;
        if (!args.isEmpty()) {
          if (!args.startsWith(":") || args.length() == 1) {
            throw new SpfSyntaxException("bad ptr: '" + term + "'");
          }
          spec = args.substring(1);
          MacroExpander.checkSyntax(spec, term);
        }
        return new Directive(qualifier, mech, spec, null, 32, 128, term);
      }
      case A, MX -> {
        String[] cidr = dualCidr(args);
        String spec = cidr[0];
        if (spec.isEmpty()) {
          spec = null;
        } else if (!spec.startsWith(":") || spec.length() == 1) {
          throw new SpfSyntaxException("bad " + name + ": '" + term + "'");
        } else {
          spec = spec.substring(1);
          MacroExpander.checkSyntax(spec, term);
        }
        int c4 = prefix(cidr[1], 32, term);
        int c6 = prefix(cidr[2], 128, term);
        return new Directive(qualifier, mech, spec, null, c4, c6, term);
      }
      case IP4, IP6 -> {
        if (!args.startsWith(":")) throw new SpfSyntaxException(name + " needs an address");
        String net = args.substring(1);
        String len = null;
        int s = net.indexOf('/');
        if (s >= 0) {
          len = net.substring(s + 1);
          net = net.substring(0, s);
        }
        IpAddress ip = IpAddress.parse(net);
        boolean v4 = mech == Mechanism.IP4;
        if (ip == null || ip.isV4() != v4 || (v4 && net.indexOf(':') >= 0)) {
          throw new SpfSyntaxException("bad address in '" + term + "'");
        }
        int max = v4 ? 32 : 128;
        int p = prefix(len, max, term);
        return new Directive(qualifier, mech, null, ip.network(p), v4 ? p : 32, v4 ? 128 : p, term);
      }
      default -> throw new IllegalStateException(mech.toString());
    }
  }

  /**
   * Where the {@code =} of a modifier is ({@code name=value}, the name a letter then letters,
   * digits, {@code . _ -}; the value without line breaks), or -1 when the term is a mechanism.
   */
  static int modifierEquals(String term) {
    int eq = term.indexOf('=');
    if (eq <= 0 || !letter(term.charAt(0))) return -1;
    for (int i = 1; i < eq; i++) {
      char c = term.charAt(i);
      if (!letter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-') return -1;
    }
    for (int i = eq + 1; i < term.length(); i++) {
      char c = term.charAt(i);
      if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') return -1;
    }
    return eq;
  }

  private static boolean letter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  /**
   * The arguments of {@code a} or {@code mx} split into {@code [":" domain-spec] ["/" ip4-cidr]
   * ["//" ip6-cidr]}: the prefix lengths are the longest such end; either may be null.
   */
  static String[] dualCidr(String args) {
    int end = args.length();
    String v4 = null;
    String v6 = null;
    int d = digitsBefore(args, end);
    if (d < end && d >= 2 && args.charAt(d - 1) == '/' && args.charAt(d - 2) == '/') {
      v6 = args.substring(d, end);
      end = d - 2;
      d = digitsBefore(args, end);
    }
    if (d < end && d >= 1 && args.charAt(d - 1) == '/') {
      v4 = args.substring(d, end);
      end = d - 1;
    }
    return new String[] {args.substring(0, end), v4, v6};
  }

  private static int digitsBefore(String s, int end) {
    int d = end;
    while (d > 0 && s.charAt(d - 1) >= '0' && s.charAt(d - 1) <= '9') d--;
    return d;
  }

  private static int prefix(String digits, int max, String term) throws SpfSyntaxException {
    if (digits == null) return max;
    if (digits.isEmpty()
        || digits.length() > 3
        || (digits.length() > 1 && digits.charAt(0) == '0')) {
      throw new SpfSyntaxException("bad prefix length in '" + term + "'");
    }
    int p = Integer.parseInt(digits);
    if (p > max) throw new SpfSyntaxException("prefix length over " + max + " in '" + term + "'");
    return p;
  }
}
