package org.greygate.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)");
  private static final Pattern DUAL_CIDR =
      Pattern.compile("(.*?)(?:/([0-9]+))?(?://([0-9]+))?", Pattern.DOTALL);

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
      Matcher m = MODIFIER.matcher(term);
      int colon = term.indexOf(':');
      int slash = term.indexOf('/');
      int eq = term.indexOf('=');
      boolean isModifier = m.matches() && (colon < 0 || eq < colon) && (slash < 0 || eq < slash);
      if (isModifier) {
        String name = m.group(1).toLowerCase(Locale.ROOT);
        String value = m.group(2);
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
        Matcher m = DUAL_CIDR.matcher(args);
        if (!m.matches()) throw new SpfSyntaxException("bad " + name + ": '" + term + "'");
        String spec = m.group(1);
        if (spec.isEmpty()) {
          spec = null;
        } else if (!spec.startsWith(":") || spec.length() == 1) {
          throw new SpfSyntaxException("bad " + name + ": '" + term + "'");
        } else {
          spec = spec.substring(1);
          MacroExpander.checkSyntax(spec, term);
        }
        int c4 = prefix(m.group(2), 32, term);
        int c6 = prefix(m.group(3), 128, term);
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
