package org.greygate.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.greylist.GreylistConfig;
import org.greygate.whitelist.WhitelistSource;
import picocli.CommandLine.Option;

/** Postgrey's greylisting options, under the same names and defaults, shared by serve and check. */
public final class GreylistOptions {
  static final Path DEFAULT_DBDIR = Path.of("/var/lib/greygate");
  static final Path DEFAULT_CLIENTS = Path.of("/etc/greygate/whitelist_clients");
  static final Path DEFAULT_RECIPIENTS = Path.of("/etc/greygate/whitelist_recipients");

  @Option(
      names = "--dbdir",
      paramLabel = "PATH",
      description = "Database directory (default: ${DEFAULT-VALUE}).")
  Path dbdir = DEFAULT_DBDIR;

  @Option(
      names = "--delay",
      paramLabel = "N",
      description = "Greylist for N seconds (default: ${DEFAULT-VALUE}); 0 is honoured.")
  long delay = 300;

  @Option(
      names = "--max-age",
      paramLabel = "N",
      description = "Forget triplets and clients not seen for N days (default: ${DEFAULT-VALUE}).")
  long maxAge = 35;

  @Option(
      names = "--retry-window",
      paramLabel = "N[h]",
      converter = Converters.RetryWindow.class,
      description = "The first retry must come within N days, or N hours with 'h' (default: 2).")
  long retryWindow = 2 * GreylistConfig.DAY;

  @Option(
      names = "--greylist-action",
      paramLabel = "ACTION",
      description = "Action for greylisted mail (default: ${DEFAULT-VALUE}).")
  String greylistAction = "DEFER_IF_PERMIT";

  @Option(
      names = "--greylist-text",
      paramLabel = "TEXT",
      description =
          "Reply text: %%s seconds left, %%r recipient domain (default: '${DEFAULT-VALUE}').")
  String greylistText = GreylistConfig.DEFAULT_TEXT;

  @Option(
      names = "--x-greylist-header",
      paramLabel = "TEXT",
      description =
          "Header added on first pass: %%t waited, %%v version, %%h host, %%d date (default: '${DEFAULT-VALUE}').")
  String xGreylistHeader = GreylistConfig.DEFAULT_HEADER;

  @Option(
      names = "--lookup-by-subnet",
      description = "Key clients by subnet (the default; accepted for Postgrey compatibility).")
  boolean lookupBySubnet;

  @Option(names = "--lookup-by-host", description = "Key clients by full address, not subnet.")
  boolean lookupByHost;

  @Option(
      names = "--ipv4cidr",
      paramLabel = "N",
      description = "Subnet prefix for IPv4 clients (default: ${DEFAULT-VALUE}).")
  int ipv4Cidr = 24;

  @Option(
      names = "--ipv6cidr",
      paramLabel = "N",
      description = "Subnet prefix for IPv6 clients (default: ${DEFAULT-VALUE}).")
  int ipv6Cidr = 64;

  @Option(
      names = "--auto-whitelist-clients",
      paramLabel = "N",
      arity = "0..1",
      fallbackValue = "5",
      description =
          "Whitelist a client after N passed triplets (default: ${DEFAULT-VALUE}; 0 = off).")
  int awlClients = 5;

  @Option(
      names = "--privacy",
      description = "Store keys as keyed hashes (secret in DBDIR/privacy.key).")
  boolean privacy;

  @Option(
      names = "--hostname",
      paramLabel = "NAME",
      description = "Host name for the X-Greylist header (default: this host's name).")
  String hostname;

  @Option(
      names = "--whitelist-clients",
      paramLabel = "FILE",
      description =
          "Client whitelist file; repeatable; FILE.local is read too (default: "
              + "/etc/greygate/whitelist_clients).")
  List<Path> whitelistClients = new ArrayList<>();

  @Option(
      names = "--whitelist-recipients",
      paramLabel = "FILE",
      description =
          "Recipient whitelist file; repeatable; FILE.local is read too (default: /etc/greygate/whitelist_recipients).")
  List<Path> whitelistRecipients = new ArrayList<>();

  @Option(
      names = "--trust-policy-test-time",
      description =
          "Honour the policy_test_time request attribute (testing only: it lets a client choose the time).")
  boolean trustPolicyTestTime;

  GreylistConfig toConfig() {
    if (maxAge < 1) {
      throw new IllegalArgumentException("--max-age must be at least 1 day, got " + maxAge);
    }
    return new GreylistConfig(
        delay,
        maxAge * GreylistConfig.DAY,
        retryWindow,
        lookupByHost,
        ipv4Cidr,
        ipv6Cidr,
        greylistAction,
        greylistText,
        xGreylistHeader,
        awlClients,
        hostname != null ? hostname : localHostName());
  }

  WhitelistSource whitelistSource() {
    List<Path> optional = new ArrayList<>();
    List<Path> clients = whitelistClients;
    List<Path> recipients = whitelistRecipients;
    if (clients.isEmpty()) {
      clients = List.of(DEFAULT_CLIENTS);
      optional.add(DEFAULT_CLIENTS);
    }
    if (recipients.isEmpty()) {
      recipients = List.of(DEFAULT_RECIPIENTS);
      optional.add(DEFAULT_RECIPIENTS);
    }
    return new WhitelistSource(clients, recipients, optional);
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
