package org.greygate.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.greygate.app.DaemonConfig;
import org.greygate.app.PolicyConfig;
import org.greygate.config.InvalidSetting;
import org.greygate.dns.DnsSettings;
import org.greygate.dnslist.DnsList;
import org.greygate.dnslist.DnsListConfig;
import org.greygate.greylist.GreylistConfig;
import org.greygate.inet.Cidr;
import org.greygate.policy.DecisionLog;
import org.greygate.protocol.Actions;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.ProtocolLimits;
import org.greygate.server.ListenAddress;
import org.greygate.server.ServerOptions;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.store.redis.RedisStore;
import org.greygate.whitelist.WhitelistSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every option of the daemon, Postgrey's under the same names and defaults, shared by {@code serve}
 * and {@code check} so that one configuration file serves both and {@code check} answers as the
 * daemon would. Values are turned into the configuration records here, once; the records validate
 * them, and their complaints come back under the option's name ({@link OptionNames}).
 */
public final class DaemonOptions {
  static final Path DEFAULT_DBDIR = Path.of("/var/lib/greygate");
  static final Path DEFAULT_CLIENTS = Path.of("/etc/greygate/whitelist_clients");
  static final Path DEFAULT_RECIPIENTS = Path.of("/etc/greygate/whitelist_recipients");

  // ------------------------------------------------------------------ greylisting (Postgrey's)

  @Option(
      names = "--dbdir",
      paramLabel = "PATH",
      description = "Database directory (default: ${DEFAULT-VALUE}).")
  Path dbdir = DEFAULT_DBDIR;

  @Option(
      names = "--store",
      paramLabel = "URL",
      description =
          "Share the greylist through Redis: redis://[USER:PASSWORD@]HOST[:PORT][/DB], rediss://... (TLS) or redis-sentinel://HOST:PORT[,HOST:PORT]/MASTER (default: the embedded LMDB database in --dbdir). docs/multi-mx.md")
  String store;

  @Mixin RedisOptions redis;

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
      description =
          "Action for greylisted mail: DEFER_IF_PERMIT, DEFER_IF_REJECT, DEFER or a 4NN code (default: ${DEFAULT-VALUE}).")
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
      names = "--domain-policy",
      paramLabel = "FILE",
      description =
          "Per recipient domain: greylist=on|off, delay=, allow-sender=, never-awl= (see"
              + " docs/greylisting.md); FILE.local is read too; reloaded like the whitelists.")
  Path domainPolicy;

  @Option(
      names = "--trust-policy-test-time",
      description =
          "Honour the policy_test_time request attribute (testing only: it lets a client choose the time).")
  boolean trustPolicyTestTime;

  // ------------------------------------------------------------------ listening

  @Option(
      names = {"-i", "--inet"},
      paramLabel = "[HOST:]PORT",
      description =
          "Listen on TCP; a bare PORT binds loopback only (127.0.0.1 and ::1). Repeatable.")
  List<String> inet = new ArrayList<>();

  @Option(
      names = {"-u", "--unix"},
      paramLabel = "PATH",
      description = "Listen on a unix socket. Repeatable.")
  List<Path> unix = new ArrayList<>();

  @Option(
      names = "--socketmode",
      paramLabel = "MODE",
      converter = Converters.OctalMode.class,
      description = "Unix socket permissions (default: 0660).")
  int socketMode = 0660;

  @Option(names = "--exim", description = "Close the connection after each reply (for Exim).")
  boolean exim;

  @Option(
      names = "--listen-queue-size",
      paramLabel = "N",
      description = "Listen backlog (default: ${DEFAULT-VALUE}).")
  int backlog = 1024;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "Connections served at once; more are refused (default: ${DEFAULT-VALUE}).")
  int maxConnections = 1000;

  @Option(
      names = "--idle-timeout",
      paramLabel = "SECONDS",
      description =
          "Close connections idle this long (default: ${DEFAULT-VALUE}; keep above Postfix's 300).")
  long idleTimeout = 600;

  @Option(
      names = "--max-line-length",
      paramLabel = "BYTES",
      description = "Longest request line (default: ${DEFAULT-VALUE}).")
  int maxLine = ProtocolLimits.DEFAULT.maxLineBytes();

  @Option(
      names = "--max-attributes",
      paramLabel = "N",
      description = "Most attributes in one request (default: ${DEFAULT-VALUE}).")
  int maxAttributes = ProtocolLimits.DEFAULT.maxAttributes();

  @Option(
      names = "--max-request-size",
      paramLabel = "BYTES",
      description = "Largest request (default: ${DEFAULT-VALUE}).")
  int maxRequest = ProtocolLimits.DEFAULT.maxRequestBytes();

  @Option(
      names = "--dnswl",
      paramLabel = "ZONE[=SCORE]",
      description =
          "A DNS allow list, e.g. list.dnswl.org (repeatable): a client listed there scores SCORE"
              + " (default 1) towards --skip-score.")
  List<String> dnswl = new ArrayList<>();

  @Option(
      names = "--dnsbl",
      paramLabel = "ZONE[=SCORE]",
      description =
          "A DNS block list, e.g. zen.spamhaus.org (repeatable): a listing takes SCORE (default"
              + " 1) off the client's allow-list score; see also --greylist-only-listed.")
  List<String> dnsbl = new ArrayList<>();

  @Option(
      names = "--skip-score",
      paramLabel = "N",
      description =
          "A client whose allow-list score, less its block-list score, reaches N passes without"
              + " greylisting (default: ${DEFAULT-VALUE}).")
  int skipScore = 1;

  @Option(
      names = "--greylist-only-listed",
      description =
          "Greylist only clients on a --dnsbl list or without a name (no PTR); pass the others.")
  boolean greylistOnlyListed;

  @Option(
      names = "--dns-timeout",
      paramLabel = "MILLISECONDS",
      description =
          "How long a request may wait for all of its DNS answers, DNS lists and SPF together"
              + " (default: ${DEFAULT-VALUE}); past it, or when DNS fails, it is decided as if"
              + " those features were off.")
  long dnsTimeoutMillis = 200;

  @Option(
      names = "--spf-grouping",
      description =
          "Key the triplet of a client that passes SPF for the envelope sender's domain by that"
              + " domain instead of the client's network: a retry from another address of the"
              + " sender's pool is not greylisted again.")
  boolean spfGrouping;

  @Option(
      names = "--dns-server",
      paramLabel = "HOST[:PORT]",
      description = "A resolver to ask (repeatable; default: those in /etc/resolv.conf).")
  List<String> dnsServers = new ArrayList<>();

  @Option(
      names = "--io-threads",
      paramLabel = "N",
      description = "Network threads (default: 0 = one per core).")
  int ioThreads;

  @Option(
      names = "--reply-timeout",
      paramLabel = "MILLISECONDS",
      description =
          "Answer --store-failure-action when a decision is not ready in time (default: ${DEFAULT-VALUE}; 0 waits as long as it takes).")
  long replyTimeoutMillis = 2000;

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description =
          "Outbound rate limits, one rule a line (docs/outbound.md); read again on SIGHUP and when the file changes. A broken file stops the start (exit 2), or at reload keeps the rules in force.")
  Path rules;

  @Option(
      names = "--allow-from",
      paramLabel = "CIDR",
      split = ",",
      description =
          "Accept TCP connections only from these networks (default: any; --inet=PORT binds loopback only anyway). Repeatable.")
  List<String> allowFrom = new ArrayList<>();

  @Option(
      names = "--metrics",
      paramLabel = "[HOST:]PORT",
      description =
          "Serve Prometheus metrics on http://HOST:PORT/metrics and a health check on /health; a bare PORT binds 127.0.0.1 (default: off).")
  String metrics;

  // ------------------------------------------------------------------ store and housekeeping

  @Option(
      names = "--store-failure-action",
      paramLabel = "ACTION",
      description =
          "Answer when the database fails or a decision is late, an access(5) action (default: ${DEFAULT-VALUE}: mail flows ungreylisted).")
  String storeFailureAction = "DUNNO";

  @Option(
      names = "--sweep-interval",
      paramLabel = "SECONDS",
      description =
          "Delete expired entries this often, in the background (default: ${DEFAULT-VALUE}).")
  long sweepInterval = 3600;

  @Option(
      names = "--stats-interval",
      paramLabel = "SECONDS",
      description = "Log a line of counters this often (default: ${DEFAULT-VALUE}; 0 = never).")
  long statsInterval = 300;

  @Option(
      names = "--commit-interval",
      paramLabel = "MILLISECONDS",
      description =
          "Start a database commit at most this often; writes arriving meanwhile join the next commit (default: ${DEFAULT-VALUE}; 0 commits as soon as the previous one is done). A crash loses at most this plus one commit of writes.")
  long commitIntervalMillis = LmdbStore.DEFAULT_COMMIT_INTERVAL.toMillis();

  // ------------------------------------------------------------------ Postgrey's, ignored

  @Option(
      names = "--pidfile",
      paramLabel = "PATH",
      description = "Write the process id to PATH (removed on exit).")
  Path pidfile;

  @Option(
      names = {"-d", "--daemonize"},
      description =
          "Accepted for Postgrey compatibility; greygate stays in the foreground (let systemd supervise it).")
  boolean daemonize;

  @Option(
      names = "--user",
      paramLabel = "USER",
      description =
          "Run as USER: the launcher, started as root, switches to it with setpriv before the JVM starts; greygate refuses to run as anyone else.")
  String user;

  @Option(
      names = "--group",
      paramLabel = "GROUP",
      description = "Run with group GROUP (default: USER's primary group); needs --user.")
  String group;

  @Option(
      names = {"--syslog-facility", "--syslogfacility", "--facility"},
      paramLabel = "FACILITY",
      description =
          "Accepted for Postgrey compatibility; logs go to stdout (journald). Use SyslogFacility= in the unit.")
  String syslogFacility;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log more (debug).")
  boolean verbose;

  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      description =
          "Decision lines as text (Postgrey's shape, the default) or json (one object per decision).")
  String logFormat = "text";

  @Option(
      names = {"-q", "--quiet"},
      description =
          "Log less: no line per decision (start, stop, reloads and errors are still logged).")
  boolean quiet;

  // ------------------------------------------------------------------ the records

  /** A hundred years: beyond, --max-age in seconds would overflow. */
  static final long MAX_AGE_DAYS = 36_500;

  GreylistConfig greylistConfig() {
    if (maxAge > MAX_AGE_DAYS) {
      throw new GreygateCli.UsageError(
          "--max-age must be at most " + MAX_AGE_DAYS + " days, got " + maxAge);
    }
    return valid(
        () ->
            GreylistConfig.builder()
                .delay(delay)
                .maxAge(maxAge * GreylistConfig.DAY)
                .retryWindow(retryWindow)
                .lookupByHost(lookupByHost)
                .ipv4Cidr(ipv4Cidr)
                .ipv6Cidr(ipv6Cidr)
                .greylistAction(greylistAction)
                .greylistText(greylistText)
                .xGreylistHeader(xGreylistHeader)
                .awlClients(awlClients)
                .hostname(hostname != null ? hostname : localHostName())
                .build());
  }

  /** What the reply deadline keeps for the store and the rules after DNS has had its budget. */
  static final long DECISION_MARGIN_MILLIS = 100;

  DecisionLog.Format decisionLogFormat() {
    try {
      return DecisionLog.Format.valueOf(logFormat.strip().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError(
          "--log-format must be text or json, got '" + logFormat + "'");
    }
  }

  /** The fail-open answer, checked against access(5). */
  Outcome failOpen() {
    try {
      return Actions.parse(storeFailureAction, Outcome.Note.of("pass", "fail-open"));
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError("--store-failure-action " + e.getMessage());
    }
  }

  PolicyConfig policyConfig(String version) {
    GreylistConfig greylist = greylistConfig();
    DnsListConfig lists = dnsListConfig();
    DnsSettings dns = dnsSettings();
    DecisionLog.Format format = decisionLogFormat();
    if (replyTimeoutMillis > 0
        && (spfGrouping || !lists.lists().isEmpty())
        && dnsTimeoutMillis > replyTimeoutMillis - DECISION_MARGIN_MILLIS) {
      // DNS spending the whole deadline would turn every greylisting decision into the
      // fail-open answer whenever the resolver is slow: greylisting off, without a word
      throw new GreygateCli.UsageError(
          "--dns-timeout ("
              + dnsTimeoutMillis
              + " ms) must leave --reply-timeout ("
              + replyTimeoutMillis
              + " ms) at least "
              + DECISION_MARGIN_MILLIS
              + " ms for the decision itself: lower --dns-timeout or raise --reply-timeout");
    }
    return valid(
        () ->
            new PolicyConfig(
                greylist,
                failOpen(),
                trustPolicyTestTime,
                10_000,
                ZoneId.systemDefault(),
                version,
                format,
                lists,
                spfGrouping,
                dns));
  }

  /** --dnswl, --dnsbl and the DNS options, each problem named by its option. */
  DnsListConfig dnsListConfig() {
    List<DnsList> lists = new ArrayList<>();
    for (String z : dnswl) lists.add(dnsList("--dnswl", z, true));
    for (String z : dnsbl) lists.add(dnsList("--dnsbl", z, false));
    if (skipScore < 1) {
      throw new GreygateCli.UsageError("--skip-score must be >= 1, got " + skipScore);
    }
    if (greylistOnlyListed && dnsbl.isEmpty()) {
      throw new GreygateCli.UsageError(
          "--greylist-only-listed needs at least one --dnsbl to tell listed clients");
    }
    return new DnsListConfig(lists, skipScore, greylistOnlyListed);
  }

  /** --dns-timeout and --dns-server. */
  DnsSettings dnsSettings() {
    if (dnsTimeoutMillis < 1 || dnsTimeoutMillis > 10_000) {
      throw new GreygateCli.UsageError(
          "--dns-timeout must be between 1 and 10000 milliseconds, got " + dnsTimeoutMillis);
    }
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String d : dnsServers) servers.add(dnsServer(d));
    return new DnsSettings(Duration.ofMillis(dnsTimeoutMillis), servers);
  }

  private static DnsList dnsList(String option, String text, boolean allow) {
    try {
      return DnsList.parse(text, allow);
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError(option + " " + e.getMessage());
    }
  }

  /** HOST, HOST:PORT, [V6]:PORT or a bare IPv6 address; an address, not a name to resolve. */
  static InetSocketAddress dnsServer(String text) {
    String t = text.strip();
    String host = t;
    int port = 53;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0) throw new GreygateCli.UsageError("--dns-server '" + text + "': no ']'");
      host = t.substring(1, close);
      String rest = t.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new GreygateCli.UsageError("--dns-server '" + text + "': expected :PORT after ]");
        }
        port = dnsPort(text, rest.substring(1));
      }
    } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
      host = t.substring(0, t.indexOf(':'));
      port = dnsPort(text, t.substring(t.indexOf(':') + 1));
    }
    org.greygate.inet.IpAddress ip = org.greygate.inet.IpAddress.parse(host);
    if (ip == null) {
      throw new GreygateCli.UsageError(
          "--dns-server '" + text + "': an IP address is needed (a resolver is not looked up)");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip.toBytes()), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
    }
  }

  private static int dnsPort(String text, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65535) return p;
    } catch (NumberFormatException e) {
      // below
    }
    throw new GreygateCli.UsageError("--dns-server '" + text + "': bad port '" + port + "'");
  }

  /** The daemon's whole configuration; {@code queueWatch} null when the queue is not watched. */
  DaemonConfig daemonConfig(String version, org.greygate.queue.QueueWatchConfig queueWatch) {
    if (dbdir.toString().isBlank()) {
      // Path.of("") is the working directory: the database would land wherever serve started
      throw new GreygateCli.UsageError("--dbdir must name a directory, got ''");
    }
    PolicyConfig policy = policyConfig(version);
    return valid(
        () ->
            new DaemonConfig(
                policy,
                dbdir,
                privacy,
                whitelistSource(),
                rules,
                redisSettings(),
                Duration.ofMillis(commitIntervalMillis),
                Duration.ofSeconds(sweepInterval),
                Duration.ofSeconds(statsInterval),
                serverOptions(),
                metricsAddress(),
                queueWatch));
  }

  /** The shared store's settings, or null for the embedded LMDB database. */
  RedisStore.Settings redisSettings() {
    if (store == null || store.isBlank() || store.strip().equalsIgnoreCase("lmdb")) {
      redis.requireUnused();
      return null;
    }
    return redis.settings("--store", store, Duration.ofMillis(Math.max(replyTimeoutMillis, 1000)));
  }

  ServerOptions serverOptions() {
    List<ListenAddress> listen = new ArrayList<>();
    for (String i : inet) {
      try {
        listen.add(ListenAddress.parseInet(i));
      } catch (IllegalArgumentException e) {
        throw new GreygateCli.UsageError("--inet: " + e.getMessage());
      }
    }
    for (Path u : unix) {
      listen.add(new ListenAddress.Unix(u, socketMode));
    }
    if (listen.isEmpty()) {
      throw new GreygateCli.UsageError("--unix or --inet must be given");
    }
    List<Cidr> allowed = new ArrayList<>();
    for (String a : allowFrom) {
      try {
        allowed.add(Cidr.parse(a.strip()));
      } catch (IllegalArgumentException e) {
        throw new GreygateCli.UsageError("--allow-from: " + e.getMessage());
      }
    }
    ProtocolLimits limits = valid(() -> new ProtocolLimits(maxLine, maxAttributes, maxRequest));
    return valid(
        () ->
            ServerOptions.listening(listen)
                .limits(limits)
                .maxConnections(maxConnections)
                .idleTimeout(Duration.ofSeconds(idleTimeout))
                .backlog(backlog)
                .closeAfterReply(exim)
                .ioThreads(ioThreads)
                .replyTimeout(Duration.ofMillis(replyTimeoutMillis))
                .allowFrom(allowed)
                .build());
  }

  /** Where --metrics listens, or null when it is off. */
  java.net.InetSocketAddress metricsAddress() {
    return metrics == null ? null : metricsAddress(metrics);
  }

  /** {@code [HOST:]PORT} for --metrics; a bare port binds 127.0.0.1. */
  static java.net.InetSocketAddress metricsAddress(String metrics) {
    ListenAddress.Inet a;
    try {
      a = ListenAddress.parseInet(metrics);
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError("--metrics: " + e.getMessage());
    }
    return new java.net.InetSocketAddress(a.host() == null ? "127.0.0.1" : a.host(), a.port());
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
    return new WhitelistSource(clients, recipients, optional, domainPolicy);
  }

  private static <T> T valid(java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (InvalidSetting e) {
      throw OptionNames.usage(e);
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
