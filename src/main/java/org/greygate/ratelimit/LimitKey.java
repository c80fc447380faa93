package org.greygate.ratelimit;

import java.util.Locale;
import org.greygate.inet.IpAddress;

/**
 * A key an admin names in {@code greygate limits show|reset}, matched against the values the
 * counters are stored under ({@code rate/RULE/VALUE}, VALUE as {@link KeySpec#value} makes it).
 *
 * <p>An address is stored as its network: {@code client_address/24} counts 203.0.113.7 under {@code
 * 203.0.113.0/24}, plain {@code client_address} under {@code 203.0.113.7/32}. So {@code
 * 203.0.113.7} <em>is</em> the key {@code 203.0.113.7/32} (and {@code 203.0.113.9/24} is {@code
 * 203.0.113.0/24}), and is <em>counted within</em> {@code 203.0.113.0/24}. A mail address is
 * counted within its domain's key ({@code sender_domain}, {@code recipient_domain}).
 *
 * @param exact the value as stored: lower case; an address or network in its network form
 * @param ip the address or network named, or null
 * @param bits its prefix length (32 or 128 for an address)
 * @param domain the domain of a mail address, or null
 */
public record LimitKey(String exact, IpAddress ip, int bits, String domain) {

  /** Reads what the admin typed. */
  public static LimitKey parse(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    IpAddress ip = null;
    int bits = 0;
    int slash = t.indexOf('/');
    IpAddress addr = IpAddress.parse(slash < 0 ? t : t.substring(0, slash));
    if (addr != null) {
      int b = slash < 0 ? addr.bits() : prefix(t.substring(slash + 1), addr.bits());
      if (b >= 0) {
        ip = addr.network(b);
        bits = b;
        t = ip + "/" + b;
      }
    }
    int at = t.lastIndexOf('@');
    String domain = ip == null && at >= 0 && at < t.length() - 1 ? t.substring(at + 1) : null;
    return new LimitKey(t, ip, bits, domain);
  }

  private static int prefix(String s, int max) {
    if (s.isEmpty() || s.length() > 3 || !s.chars().allMatch(Character::isDigit)) return -1;
    int n = Integer.parseInt(s);
    return n <= max ? n : -1;
  }

  /** Whether a counter stored under {@code value} is this key's own. */
  public boolean is(String value) {
    return exact.equals(value);
  }

  /**
   * Whether a counter stored under {@code value} counts this key together with others: a network
   * holding this address or network, the domain of this mail address.
   */
  public boolean within(String value) {
    if (domain != null) return domain.equals(value);
    if (ip == null) return false;
    int slash = value.lastIndexOf('/');
    if (slash < 0) return false;
    IpAddress net = IpAddress.parse(value.substring(0, slash));
    if (net == null || net.isV4() != ip.isV4()) return false;
    int b = prefix(value.substring(slash + 1), net.bits());
    return b >= 0 && b < bits && ip.within(net, b);
  }
}
