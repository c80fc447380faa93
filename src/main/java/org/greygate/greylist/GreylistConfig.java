package org.greygate.greylist;

import static org.greygate.config.InvalidSetting.check;

import org.greygate.config.InvalidSetting;
import org.greygate.protocol.Actions;

/**
 * Greylisting settings, validated once, here. Durations are seconds.
 *
 * @param delay how long a new triplet must wait before a retry passes
 * @param maxAge drop a triplet or client not seen for this long
 * @param retryWindow the first successful retry must come within this time of the first attempt
 * @param lookupByHost key by the full client address instead of its subnet
 * @param ipv4Cidr subnet prefix for IPv4 clients
 * @param ipv6Cidr subnet prefix for IPv6 clients
 * @param greylistAction the Postfix verb for a greylisted request ({@link Actions#DEFERRALS})
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

  public GreylistConfig {
    check(delay >= 0, "delay", "must be >= 0 seconds, got " + delay);
    check(maxAge >= 1, "max-age", "must be at least 1 day, got " + maxAge / DAY + " days");
    check(retryWindow >= 1, "retry-window", "must be more than 0, got " + retryWindow + " s");
    // a retry after the delay would come after the window too, and start over: nothing passes
    check(
        delay <= retryWindow,
        "delay",
        "("
            + delay
            + " s) must not exceed --retry-window ("
            + retryWindow
            + " s): no retry could ever pass");
    check(ipv4Cidr >= 0 && ipv4Cidr <= 32, "ipv4cidr", "must be 0..32, got " + ipv4Cidr);
    check(ipv6Cidr >= 0 && ipv6Cidr <= 128, "ipv6cidr", "must be 0..128, got " + ipv6Cidr);
    check(awlClients >= 0, "auto-whitelist-clients", "must be >= 0, got " + awlClients);
    try {
      greylistAction = Actions.deferralVerb(greylistAction);
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting("greylist-action", e.getMessage());
    }
    check(greylistText != null, "greylist-text", "must be given");
    check(
        xGreylistHeader != null && xGreylistHeader.indexOf(':') > 0,
        "x-greylist-header",
        "must be a header line 'Name: value', got '" + xGreylistHeader + "'");
    check(hostname != null && !hostname.isBlank(), "hostname", "must not be empty");
  }

  /** Postgrey 1.37's defaults, as {@link GreylistSettings} declares them; host name localhost. */
  public static GreylistConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .delay(delay)
        .maxAge(maxAge)
        .retryWindow(retryWindow)
        .lookupByHost(lookupByHost)
        .ipv4Cidr(ipv4Cidr)
        .ipv6Cidr(ipv6Cidr)
        .greylistAction(greylistAction)
        .greylistText(greylistText)
        .xGreylistHeader(xGreylistHeader)
        .awlClients(awlClients)
        .hostname(hostname);
  }

  /**
   * Starts from Postgrey 1.37's defaults as {@link GreylistSettings} declares them (host name
   * {@code localhost}: tests and benchmarks); {@link #build()} validates.
   */
  public static final class Builder {
    private long delay = GreylistSettings.DELAY.defaultValue();
    private long maxAge = GreylistSettings.MAX_AGE.defaultValue() * DAY;
    private long retryWindow = GreylistSettings.RETRY_WINDOW.defaultValue();
    private boolean lookupByHost = GreylistSettings.LOOKUP_BY_HOST.defaultValue();
    private int ipv4Cidr = GreylistSettings.IPV4CIDR.defaultValue();
    private int ipv6Cidr = GreylistSettings.IPV6CIDR.defaultValue();
    private String greylistAction = GreylistSettings.GREYLIST_ACTION.defaultValue();
    private String greylistText = GreylistSettings.GREYLIST_TEXT.defaultValue();
    private String xGreylistHeader = GreylistSettings.X_GREYLIST_HEADER.defaultValue();
    private int awlClients = GreylistSettings.AUTO_WHITELIST_CLIENTS.defaultValue();
    private String hostname = "localhost";

    public Builder delay(long seconds) {
      this.delay = seconds;
      return this;
    }

    public Builder maxAge(long seconds) {
      this.maxAge = seconds;
      return this;
    }

    public Builder retryWindow(long seconds) {
      this.retryWindow = seconds;
      return this;
    }

    public Builder lookupByHost(boolean byHost) {
      this.lookupByHost = byHost;
      return this;
    }

    public Builder ipv4Cidr(int bits) {
      this.ipv4Cidr = bits;
      return this;
    }

    public Builder ipv6Cidr(int bits) {
      this.ipv6Cidr = bits;
      return this;
    }

    public Builder greylistAction(String verb) {
      this.greylistAction = verb;
      return this;
    }

    public Builder greylistText(String text) {
      this.greylistText = text;
      return this;
    }

    public Builder xGreylistHeader(String header) {
      this.xGreylistHeader = header;
      return this;
    }

    public Builder awlClients(int n) {
      this.awlClients = n;
      return this;
    }

    public Builder hostname(String name) {
      this.hostname = name;
      return this;
    }

    public GreylistConfig build() {
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
          awlClients,
          hostname);
    }
  }

  /** The triplet rules these settings make, as every store backend runs them. */
  public org.greygate.store.TripletRule tripletRule() {
    return new org.greygate.store.TripletRule(delay(), maxAge(), retryWindow(), awlClients());
  }

  /** Which rows these settings let die. */
  public org.greygate.store.Expiry expiry() {
    return tripletRule().expiry();
  }
}
