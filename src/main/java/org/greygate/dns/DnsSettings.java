package org.greygate.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;
import org.xbill.DNS.Address;

/**
 * How greygate asks DNS, for every feature that does (DNS lists, SPF grouping); its settings
 * ({@link #TIMEOUT}, {@link #SERVER}) are declared here, once.
 *
 * @param budget how long one request may wait for all of its DNS answers together; past it the
 *     request is decided as if those features were off
 * @param servers the resolvers to ask, in turn; empty: the system's (resolv.conf)
 */
public record DnsSettings(Duration budget, List<InetSocketAddress> servers) {
  static final String GROUP = "Smarter greylisting";

  /** In milliseconds. */
  public static final Setting<Long> TIMEOUT =
      Setting.value(
              "dns-timeout",
              "MILLISECONDS",
              200L,
              Values.LONG,
              "How long a request may wait for all of its DNS answers, DNS lists and SPF"
                  + " together; past it, or when DNS fails, it is decided as if those features"
                  + " were off.")
          .inGroup(GROUP);

  public static final Setting<List<InetSocketAddress>> SERVER =
      Setting.list(
              "dns-server",
              "HOST[:PORT]",
              DnsSettings::server,
              "A resolver to ask (repeatable; default: those in /etc/resolv.conf).")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL = List.of(TIMEOUT, SERVER);

  public static final DnsSettings DEFAULT =
      new DnsSettings(Duration.ofMillis(TIMEOUT.defaultValue()), List.of());

  public DnsSettings {
    servers = List.copyOf(servers);
    if (budget.toMillis() < 1 || budget.toMillis() > 10_000) {
      throw new IllegalArgumentException(
          "must be between 1 ms and 10 s, got " + budget.toMillis() + " ms");
    }
  }

  /**
   * The DNS settings of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static DnsSettings of(Settings s) {
    long millis = s.get(TIMEOUT);
    InvalidSetting.check(
        millis >= 1 && millis <= 10_000,
        TIMEOUT.name(),
        "must be between 1 and 10000 milliseconds, got " + millis);
    return new DnsSettings(Duration.ofMillis(millis), s.get(SERVER));
  }

  /** A client of these resolvers; one query may take the whole budget. */
  public DnsClient client() {
    return DnsClient.of(servers, budget);
  }

  /** HOST, HOST:PORT, [V6]:PORT or a bare IPv6 address; an address, not a name to resolve. */
  static InetSocketAddress server(String text) {
    String t = text.strip();
    String host = t;
    int port = 53;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) throw new IllegalArgumentException("'" + text + "': no ']'");
      host = t.substring(1, close);
      String rest = t.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("'" + text + "': expected :PORT after ]");
        }
        port = port(text, rest.substring(1));
      }
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
      host = t.substring(0, t.indexOf(':'));
      port = port(text, t.substring(t.indexOf(':') + 1));
    }
    // a literal only: a resolver's own name is never looked up
    byte[] address =
        Address.toByteArray(host, host.indexOf(':') >= 0 ? Address.IPv6 : Address.IPv4);
    if (address == null) {
      throw new IllegalArgumentException(
          "'" + text + "': an IP address is needed (a resolver is not looked up)");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(address), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
    }
  }

  private static int port(String text, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("'" + text + "': bad port '" + port + "'");
  }
}
