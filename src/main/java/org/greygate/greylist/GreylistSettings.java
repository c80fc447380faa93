package org.greygate.greylist;

import static org.greygate.config.InvalidSetting.check;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/**
 * Greylisting's settings, Postgrey's names and Postgrey 1.37's defaults, declared once: the command
 * line, the configuration file, the documentation and {@link GreylistConfig#builder()} all take
 * them from here.
 */
public final class GreylistSettings {
  private GreylistSettings() {}

  static final String GROUP = "Greylisting (Postgrey's names and defaults)";

  /** A hundred years: beyond, --max-age in seconds would overflow. */
  public static final long MAX_AGE_DAYS = 36_500;

  public static final Setting<Long> DELAY =
      Setting.value("delay", "N", 300L, Values.LONG, "Greylist for N seconds; 0 is honoured.")
          .inGroup(GROUP);

  /** In days. */
  public static final Setting<Long> MAX_AGE =
      Setting.value(
              "max-age", "N", 35L, Values.LONG, "Forget triplets and clients not seen for N days.")
          .inGroup(GROUP);

  /** In seconds, written in days or hours. */
  public static final Setting<Long> RETRY_WINDOW =
      Setting.value(
              "retry-window",
              "N[h]",
              2 * GreylistConfig.DAY,
              GreylistSettings::retryWindow,
              "The first retry must come within N days, or N hours with 'h'.")
          .withDefaultText("2")
          .inGroup(GROUP);

  public static final Setting<String> GREYLIST_ACTION =
      Setting.value(
              "greylist-action",
              "ACTION",
              "DEFER_IF_PERMIT",
              Values.TEXT,
              "Action for greylisted mail: DEFER_IF_PERMIT, DEFER_IF_REJECT, DEFER or a 4NN code.")
          .inGroup(GROUP);

  public static final Setting<String> GREYLIST_TEXT =
      Setting.value(
              "greylist-text",
              "TEXT",
              "Greylisted, please try again in %s seconds",
              Values.TEXT,
              "Reply text: %s seconds left, %r recipient domain.")
          .inGroup(GROUP);

  public static final Setting<String> X_GREYLIST_HEADER =
      Setting.value(
              "x-greylist-header",
              "TEXT",
              "X-Greylist: delayed %t seconds by greygate-%v at %h; %d",
              Values.TEXT,
              "Header added on first pass: %t waited, %v version, %h host, %d date.")
          .inGroup(GROUP);

  public static final Setting<Boolean> LOOKUP_BY_SUBNET =
      Setting.flag(
              "lookup-by-subnet",
              "Key clients by subnet (the default; accepted for Postgrey compatibility).")
          .inGroup(GROUP);

  public static final Setting<Boolean> LOOKUP_BY_HOST =
      Setting.flag("lookup-by-host", "Key clients by full address, not subnet.").inGroup(GROUP);

  public static final Setting<Integer> IPV4CIDR =
      Setting.value("ipv4cidr", "N", 24, Values.INT, "Subnet prefix for IPv4 clients.")
          .inGroup(GROUP);

  public static final Setting<Integer> IPV6CIDR =
      Setting.value("ipv6cidr", "N", 64, Values.INT, "Subnet prefix for IPv6 clients.")
          .inGroup(GROUP);

  public static final Setting<Integer> AUTO_WHITELIST_CLIENTS =
      Setting.value(
              "auto-whitelist-clients",
              "N",
              5,
              Values.INT,
              "Whitelist a client after N passed triplets (0 = off).")
          .withFallback("5")
          .inGroup(GROUP);

  /** Null: this host's name, found at start. */
  public static final Setting<String> HOSTNAME =
      Setting.value(
              "hostname",
              "NAME",
              null,
              Values.TEXT,
              "Host name for the X-Greylist header (default: this host's name).")
          .inGroup(GROUP);

  public static final Setting<Boolean> PRIVACY =
      Setting.flag("privacy", "Store keys as keyed hashes (secret in DBDIR/privacy.key).")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(
          DELAY,
          MAX_AGE,
          RETRY_WINDOW,
          GREYLIST_ACTION,
          GREYLIST_TEXT,
          X_GREYLIST_HEADER,
          LOOKUP_BY_SUBNET,
          LOOKUP_BY_HOST,
          IPV4CIDR,
          IPV6CIDR,
          AUTO_WHITELIST_CLIENTS,
          PRIVACY,
          HOSTNAME);

  /** The times a store's rows live by: what the tools beside the daemon need of its settings. */
  public static final List<Setting<?>> TIMES = List.of(DELAY, MAX_AGE, RETRY_WINDOW);

  /**
   * Which rows the times of {@code s} let die.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  public static org.greygate.store.Expiry expiry(Settings s) {
    long maxAge = s.get(MAX_AGE);
    check(
        maxAge <= MAX_AGE_DAYS,
        MAX_AGE.name(),
        "must be at most " + MAX_AGE_DAYS + " days, got " + maxAge);
    return GreylistConfig.builder()
        .delay(s.get(DELAY))
        .maxAge(maxAge * GreylistConfig.DAY)
        .retryWindow(s.get(RETRY_WINDOW))
        .build()
        .expiry();
  }

  /**
   * The greylisting configuration of {@code s}.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  public static GreylistConfig config(Settings s) {
    long maxAge = s.get(MAX_AGE);
    check(
        maxAge <= MAX_AGE_DAYS,
        MAX_AGE.name(),
        "must be at most " + MAX_AGE_DAYS + " days, got " + maxAge);
    String hostname = s.get(HOSTNAME);
    return GreylistConfig.builder()
        .delay(s.get(DELAY))
        .maxAge(maxAge * GreylistConfig.DAY)
        .retryWindow(s.get(RETRY_WINDOW))
        .lookupByHost(s.get(LOOKUP_BY_HOST))
        .ipv4Cidr(s.get(IPV4CIDR))
        .ipv6Cidr(s.get(IPV6CIDR))
        .greylistAction(s.get(GREYLIST_ACTION))
        .greylistText(s.get(GREYLIST_TEXT))
        .xGreylistHeader(s.get(X_GREYLIST_HEADER))
        .awlClients(s.get(AUTO_WHITELIST_CLIENTS))
        .hostname(hostname != null ? hostname : localHostName())
        .build();
  }

  /** Postgrey's retry window: N (days) or Nh (hours), in seconds. */
  static long retryWindow(String value) {
    String v = value.strip();
    try {
      if (v.endsWith("h") || v.endsWith("H")) {
        return Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 3600L);
      }
      return Math.multiplyExact(Long.parseLong(v), GreylistConfig.DAY);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + value + "' is too long a window");
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a number of days or a number of hours followed by 'h' (e.g. 6h)");
    }
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
