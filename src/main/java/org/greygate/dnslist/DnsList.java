package org.greygate.dnslist;

import java.util.Locale;
import org.greygate.inet.IpAddress;

/**
 * One DNS list: a zone, whether listing is good news (an allow list, DNSWL) or bad (a block list,
 * DNSBL), and what a listing scores.
 *
 * @param zone the list's zone, e.g. {@code list.dnswl.org}, lower case, no trailing dot
 * @param allow true for an allow list
 * @param score what a listing counts (&gt; 0)
 */
public record DnsList(String zone, boolean allow, int score) {
  public DnsList {
    if (zone.isEmpty()
        || zone.length() > 200
        || !zone.matches("[a-z0-9_.-]+")
        || !zone.matches("[^.]{1,63}(\\.[^.]{1,63})*")) {
      throw new IllegalArgumentException("not a DNS zone: '" + zone + "'");
    }
    if (score < 1 || score > 1000) {
      throw new IllegalArgumentException("score must be between 1 and 1000, got " + score);
    }
  }

  /**
   * {@code ZONE} or {@code ZONE=SCORE}, as given to {@code --dnswl} and {@code --dnsbl}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static DnsList parse(String text, boolean allow) {
    String t = text.trim();
    int eq = t.lastIndexOf('=');
    int score = 1;
    if (eq >= 0) {
      String s = t.substring(eq + 1).trim();
      try {
        score = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + text + "': the score after '=' must be a whole number, got '" + s + "'");
      }
      t = t.substring(0, eq).trim();
    }
    String zone = t.toLowerCase(Locale.ROOT);
    if (zone.endsWith(".")) zone = zone.substring(0, zone.length() - 1);
    return new DnsList(zone, allow, score);
  }

  /**
   * The name to ask for {@code client}: the address reversed (IPv4 octets; IPv6 nibbles, RFC 5782)
   * before the zone.
   */
  public String queryName(IpAddress client) {
    return reversed(client) + zone;
  }

  static String reversed(IpAddress client) {
    byte[] b = client.toBytes();
    StringBuilder s = new StringBuilder(b.length == 4 ? 16 : 64);
    if (b.length == 4) {
      for (int i = 3; i >= 0; i--) s.append(b[i] & 0xff).append('.');
    } else {
      for (int i = 15; i >= 0; i--) {
        s.append(Character.forDigit(b[i] & 0x0f, 16)).append('.');
        s.append(Character.forDigit((b[i] >> 4) & 0x0f, 16)).append('.');
      }
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return zone + "=" + score;
  }
}
