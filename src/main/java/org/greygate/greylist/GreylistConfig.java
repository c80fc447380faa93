package org.greygate.greylist;

/**
 * Greylisting settings, validated once. Durations are seconds.
 *
 * @param delay how long a new triplet must wait before a retry passes (Postgrey {@code --delay})
 * @param maxAge drop a triplet or client not seen for this long ({@code --max-age}, days there)
 * @param retryWindow the first successful retry must come within this time of the first attempt
 * @param lookupByHost key by the full client address instead of its subnet
 * @param ipv4Cidr subnet prefix for IPv4 clients
 * @param ipv6Cidr subnet prefix for IPv6 clients
 * @param greylistAction the Postfix action for a greylisted request
 * @param greylistText reply text; {@code %s} seconds left, {@code %r} recipient domain
 * @param xGreylistHeader header prepended on the first pass; {@code %t %v %h %d}
 * @param awlClients passes before a client is auto-whitelisted; 0 turns the AWL off
 * @param hostname for {@code %h}
 */
public record GreylistConfig(
    long delay,
    long maxAge,
    long retryWindow,
    boolean lookupByHost,
    int ipv4Cidr,
    int ipv6Cidr,
    String greylistAction,
    String greylistText,
    String xGreylistHeader,
    int awlClients,
    String hostname) {

  public static final long DAY = 86_400;
  public static final String DEFAULT_TEXT = "Greylisted, please try again in %s seconds";
  public static final String DEFAULT_HEADER =
      "X-Greylist: delayed %t seconds by greygate-%v at %h; %d";

  public GreylistConfig {
    if (delay < 0) throw new IllegalArgumentException("--delay must be >= 0 seconds");
    if (maxAge < 1) throw new IllegalArgumentException("--max-age must be >= 1 day");
    if (retryWindow < 1) throw new IllegalArgumentException("--retry-window must be >= 1 hour");
    if (ipv4Cidr < 0 || ipv4Cidr > 32)
      throw new IllegalArgumentException("--ipv4cidr must be 0..32");
    if (ipv6Cidr < 0 || ipv6Cidr > 128)
      throw new IllegalArgumentException("--ipv6cidr must be 0..128");
    if (awlClients < 0) throw new IllegalArgumentException("--auto-whitelist-clients must be >= 0");
    if (greylistAction == null || greylistAction.isBlank()) {
      throw new IllegalArgumentException("--greylist-action must not be empty");
    }
  }

  /** Postgrey 1.37's defaults. */
  public static GreylistConfig defaults() {
    return new GreylistConfig(
        300,
        35 * DAY,
        2 * DAY,
        false,
        24,
        64,
        "DEFER_IF_PERMIT",
        DEFAULT_TEXT,
        DEFAULT_HEADER,
        5,
        "localhost");
  }

  public GreylistConfig withDelay(long seconds) {
    return new GreylistConfig(
        seconds,
        maxAge,
        retryWindow,
        lookupByHost,
        ipv4Cidr,
        ipv6Cidr,
        greylistAction,
        greylistText,
        xGreylistHeader,
        awlClients,
        hostname);
  }

  public GreylistConfig withAwlClients(int n) {
    return new GreylistConfig(
        delay,
        maxAge,
        retryWindow,
        lookupByHost,
        ipv4Cidr,
        ipv6Cidr,
        greylistAction,
        greylistText,
        xGreylistHeader,
        n,
        hostname);
  }

  public GreylistConfig withLookupByHost(boolean byHost) {
    return new GreylistConfig(
        delay,
        maxAge,
        retryWindow,
        byHost,
        ipv4Cidr,
        ipv6Cidr,
        greylistAction,
        greylistText,
        xGreylistHeader,
        awlClients,
        hostname);
  }
}
