package org.greygate.ratelimit;

import java.util.Locale;
import org.greygate.inet.IpAddress;
import org.greygate.protocol.PolicyRequest;

/**
 * What a rule counts by: {@code sasl_username}, {@code sender}, {@code sender_domain}, {@code
 * client_address} (optionally grouped: {@code client_address/24} groups IPv4 by /24 and IPv6 by
 * /64, {@code client_address/24/48} says both), {@code recipient_domain} or {@code global}.
 */
public record KeySpec(Kind kind, int v4Bits, int v6Bits) {
  public enum Kind {
    SASL_USERNAME,
    SENDER,
    SENDER_DOMAIN,
    CLIENT_ADDRESS,
    RECIPIENT_DOMAIN,
    GLOBAL;

    String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Reads a key as the rules file writes it.
   *
   * @throws IllegalArgumentException with the reason
   */
  public static KeySpec parse(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    if (t.startsWith("client_address")) {
      String rest = t.substring("client_address".length());
      if (rest.isEmpty()) return new KeySpec(Kind.CLIENT_ADDRESS, 32, 128);
      String[] bits = rest.substring(1).split("/", -1);
      if (!rest.startsWith("/") || bits.length > 2) {
        throw new IllegalArgumentException(
            "client_address takes /V4BITS or /V4BITS/V6BITS, e.g. client_address/24: " + text);
      }
      int v4 = bits(bits[0], 32, text);
      int v6 = bits.length == 2 ? bits(bits[1], 128, text) : 64;
      return new KeySpec(Kind.CLIENT_ADDRESS, v4, v6);
    }
    for (Kind k : Kind.values()) {
      if (k != Kind.CLIENT_ADDRESS && k.spelling().equals(t)) return new KeySpec(k, 0, 0);
    }
    throw new IllegalArgumentException(
        "unknown key '"
            + text
            + "' (sasl_username, sender, sender_domain, client_address[/BITS],"
            + " recipient_domain or global)");
  }

  private static int bits(String s, int max, String text) {
    try {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= max) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("prefix length must be 1 to " + max + ": " + text);
  }

  /** recipient_domain is only known recipient by recipient (RCPT); the others per message. */
  public boolean perRecipient() {
    return kind == Kind.RECIPIENT_DOMAIN;
  }

  /**
   * This request's value of the key, normalised (lower case, networks), or {@code null} when the
   * request has none: such a request is not counted under an empty key.
   */
  public String value(PolicyRequest r) {
    switch (kind) {
      case GLOBAL:
        return "*";
      case SASL_USERNAME:
        return nonEmpty(r.get("sasl_username"));
      case SENDER:
        return nonEmpty(r.sender());
      case SENDER_DOMAIN:
        return domain(r.sender());
      case RECIPIENT_DOMAIN:
        return domain(r.recipient());
      case CLIENT_ADDRESS:
        {
          IpAddress ip = r.clientAddress() == null ? null : IpAddress.parse(r.clientAddress());
          if (ip == null) return null;
          int bits = ip.isV4() ? v4Bits : v6Bits;
          return ip.network(bits) + "/" + bits;
        }
      default:
        throw new AssertionError(kind);
    }
  }

  /** Normalises an exempt value as {@link #value} would a request's. */
  String normalise(String value) {
    if (kind == Kind.CLIENT_ADDRESS) {
      IpAddress ip = IpAddress.parse(value);
      if (ip == null) throw new IllegalArgumentException("not an IP address: " + value);
      int bits = ip.isV4() ? v4Bits : v6Bits;
      return ip.network(bits) + "/" + bits;
    }
    return value.toLowerCase(Locale.ROOT);
  }

  private static String nonEmpty(String v) {
    return v == null || v.isEmpty() ? null : v.toLowerCase(Locale.ROOT);
  }

  private static String domain(String address) {
    if (address == null) return null;
    int at = address.lastIndexOf('@');
    if (at < 0 || at == address.length() - 1) return null;
    return address.substring(at + 1).toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    if (kind != Kind.CLIENT_ADDRESS) return kind.spelling();
    return "client_address/" + v4Bits + "/" + v6Bits;
  }
}
