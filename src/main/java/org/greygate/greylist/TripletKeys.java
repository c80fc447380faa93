package org.greygate.greylist;

import org.greygate.inet.IpAddress;

/**
 * Builds store keys in Postgrey's format, so that its databases can be imported as they are: {@code
 * NET/SENDER/RECIPIENT} with ASCII letters folded to lower case, where NET is the client's subnet
 * address ({@code 192.0.2.0}, {@code 2001:db8:0:0:0:0:0:0}) or, by host, the address with its
 * full-length prefix ({@code 192.0.2.1/32}). Client keys are the bare address.
 */
public final class TripletKeys {
  private final GreylistConfig config;
  private final KeyHasher hasher;

  public TripletKeys(GreylistConfig config, KeyHasher hasher) {
    this.config = config;
    this.hasher = hasher;
  }

  public String triplet(IpAddress client, String sender, String recipient) {
    String net;
    if (config.lookupByHost()) {
      net = client.toPostgreyString() + "/" + client.bits();
    } else {
      net = network(client);
    }
    String plain = asciiLower(net + "/" + SenderNormalizer.normalize(sender) + "/" + recipient);
    return hasher.apply(plain);
  }

  private String network(IpAddress client) {
    return client.network(client.isV4() ? config.ipv4Cidr() : config.ipv6Cidr()).toPostgreyString();
  }

  /**
   * The unit the client's rows belong to: its network's address as the triplet key starts with it
   * (the client's own address when looking up by host; lower case, as in the triplet key), through
   * the same hasher. A store may keep a unit's rows together (a Redis Cluster: one hash slot), so
   * that the triplet and the client's auto-whitelist row are decided on at once. The unit of a
   * plain key is its text up to the first {@code /} ({@link #unitOfPlainTriplet}).
   */
  public String unit(IpAddress client) {
    return hasher.apply(
        asciiLower(config.lookupByHost() ? client.toPostgreyString() : network(client)));
  }

  /** The unit of a triplet grouped by a sender domain ({@link #groupedTriplet}): the group's. */
  public String groupUnit(String senderDomain) {
    return hasher.apply(asciiLower("spf:" + senderDomain));
  }

  /**
   * The unit of a plain (unhashed) triplet key: its text up to the first {@code /} ({@code NET} or
   * {@code spf:DOMAIN}), as {@link #unit} and {@link #groupUnit} make it.
   */
  public static String unitOfPlainTriplet(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(0, slash);
  }

  /**
   * The key of a triplet grouped by the sender domain its client may send for (SPF): {@code
   * spf:DOMAIN/SENDER/RECIPIENT}, apart from every address-keyed triplet.
   */
  public String groupedTriplet(String senderDomain, String sender, String recipient) {
    return hasher.apply(
        asciiLower(
            "spf:" + senderDomain + "/" + SenderNormalizer.normalize(sender) + "/" + recipient));
  }

  public String client(IpAddress client) {
    return hasher.apply(client.toPostgreyString());
  }

  /**
   * Lower-cases A-Z only. Postgrey folds bytes in the C locale, so non-ASCII letters keep their
   * case; doing the same keeps keys (and their hashes) identical.
   */
  static String asciiLower(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] chars = s.toCharArray();
        for (int j = i; j < chars.length; j++) {
          if (chars[j] >= 'A' && chars[j] <= 'Z') {
            chars[j] = (char) (chars[j] + 32);
          }
        }
        return new String(chars);
      }
    }
    return s;
  }
}
