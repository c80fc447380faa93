package org.greygate.inet;

/** A network: an address with a prefix length; host bits are cleared on construction. */
public record Cidr(IpAddress network, int prefix) {
  public Cidr {
    if (prefix < 0 || prefix > network.bits()) {
      throw new IllegalArgumentException("prefix /" + prefix + " out of range for " + network);
    }
    network = network.network(prefix);
  }

  /**
   * Parses {@code ADDRESS[/PREFIX]}; a bare address is a single host.
   *
   * @throws IllegalArgumentException with a reason fit for a file:line message
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    String addressPart = slash < 0 ? text : text.substring(0, slash);
    IpAddress address = IpAddress.parse(addressPart);
    if (address == null) {
      throw new IllegalArgumentException("not an IP address: " + addressPart);
    }
    if (slash < 0) {
      return new Cidr(address, address.bits());
    }
    String prefixPart = text.substring(slash + 1);
    int prefix;
    try {
      prefix = Integer.parseInt(prefixPart);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a prefix length: /" + prefixPart);
    }
    if (prefix < 0 || prefix > address.bits()) {
      throw new IllegalArgumentException(
          "prefix /" + prefix + " out of range 0.." + address.bits() + " for " + addressPart);
    }
    // "::ffff:a.b.c.d/120" was read as IPv4: shift the prefix into IPv4 terms.
    if (address.isV4() && addressPart.indexOf(':') >= 0) {
      prefix = Math.max(0, prefix - 96);
    }
    return new Cidr(address, prefix);
  }

  public boolean contains(IpAddress address) {
    return address.within(network, prefix);
  }

  @Override
  public String toString() {
    return network + "/" + prefix;
  }
}
