package org.greygate.cli;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.greygate.greylist.Expiry;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.inet.Cidr;
import org.greygate.policy.PolicyService;
import org.greygate.protocol.ProtocolLimits;
import org.greygate.server.ListenAddress;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import org.greygate.store.ExpirySweeper;
import org.greygate.store.PrivacySecret;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.whitelist.WhitelistException;
import org.greygate.whitelist.WhitelistReloader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the policy daemon in the foreground until SIGTERM/SIGINT. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Run the policy daemon in the foreground (systemd style), logging to stdout.",
      "Accepts every Postgrey option, so POSTGREY_OPTS can be pasted."
    })
public final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Mixin GreylistOptions greylist;

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

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Read options from FILE, one per line (name=value); the command line wins.")
  Path config;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log more (debug).")
  boolean verbose;

  @Option(
      names = {"-q", "--quiet"},
      description =
          "Log less: no line per decision (start, stop, reloads and errors are still logged).")
  boolean quiet;

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
      description = "Accepted for Postgrey compatibility; set User= in the systemd unit instead.")
  String user;

  @Option(
      names = "--group",
      paramLabel = "GROUP",
      description = "Accepted for Postgrey compatibility; set Group= in the systemd unit instead.")
  String group;

  @Option(
      names = {"--syslog-facility", "--syslogfacility", "--facility"},
      paramLabel = "FACILITY",
      description =
          "Accepted for Postgrey compatibility; logs go to stdout (journald). Use SyslogFacility= in the unit.")
  String syslogFacility;

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
      names = "--store-failure-action",
      paramLabel = "ACTION",
      description =
          "Answer when the database fails (default: ${DEFAULT-VALUE}: mail flows ungreylisted).")
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
      names = "--io-threads",
      paramLabel = "N",
      description = "Network threads (default: 0 = one per core).")
  int ioThreads;

  @Option(
      names = "--reply-timeout",
      paramLabel = "MILLISECONDS",
      description =
          "Answer --store-failure-action when a decision is not ready in time (default: ${DEFAULT-VALUE}; 0 decides on the network threads, unbounded).")
  long replyTimeoutMillis = 2000;

  @Option(
      names = "--commit-interval",
      paramLabel = "MILLISECONDS",
      description =
          "Start a database commit at most this often; writes arriving meanwhile join the next commit (default: ${DEFAULT-VALUE}; 0 commits as soon as the previous one is done). A crash loses at most this plus one commit of writes.")
  long commitIntervalMillis = LmdbStore.DEFAULT_COMMIT_INTERVAL.toMillis();

  @Option(
      names = "--allow-from",
      paramLabel = "CIDR[,CIDR...]",
      split = ",",
      description =
          "Accept TCP connections only from these networks (default: any; --inet=PORT binds loopback only anyway). Repeatable.")
  List<String> allowFrom = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    setLogLevel();
    GreylistConfig config = greylist.toConfig();
    ServerOptions serverOptions = serverOptions();
    if (daemonize)
      log.info("--daemonize ignored: greygate runs in the foreground; let systemd supervise it");
    if (user != null || group != null)
      log.info("--user/--group ignored: set User=/Group= in the systemd unit");
    if (syslogFacility != null) log.info("--syslog-facility ignored: logs go to stdout (journald)");

    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "housekeeping");
              t.setDaemon(true);
              return t;
            });
    LmdbStore store;
    try {
      store = LmdbStore.open(greylist.dbdir, Duration.ofMillis(commitIntervalMillis));
    } catch (StoreException e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
    WhitelistReloader whitelists;
    try {
      whitelists = new WhitelistReloader(greylist.whitelistSource(), scheduler, 300);
    } catch (WhitelistException e) {
      store.close();
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_USAGE;
    }
    whitelists.watch();
    KeyHasher hasher =
        greylist.privacy
            ? KeyHasher.hmac(PrivacySecret.loadOrCreate(greylist.dbdir))
            : KeyHasher.PLAIN;
    Clock clock = Clock.systemUTC();
    GreylistEngine engine =
        new GreylistEngine(
            config,
            store,
            hasher,
            new RecentInstances(10_000),
            ZoneId.systemDefault(),
            Version.get());
    PolicyService service =
        new PolicyService(
            engine, whitelists, clock, greylist.trustPolicyTestTime, storeFailureAction);
    // The sweep gets its own thread: a round over millions of rows takes a while, and whitelist
    // reloads and the stats line on the shared scheduler must not wait for it.
    ScheduledExecutorService sweepThread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "expiry-sweep");
              t.setDaemon(true);
              return t;
            });
    ExpirySweeper sweeper =
        new ExpirySweeper(store, Expiry.of(config), clock, sweepThread, 1000, 5);
    PolicyServer server = new PolicyServer(serverOptions, service::answer);
    try {
      server.start();
    } catch (IOException e) {
      err().println("greygate: " + e.getMessage());
      sweeper.close();
      sweepThread.shutdownNow();
      whitelists.close();
      store.close();
      return GreygateCli.EXIT_FAILURE;
    }
    sweeper.start(sweepInterval);
    if (statsInterval > 0) {
      scheduler.scheduleAtFixedRate(
          () -> logStats(service, server, store),
          statsInterval,
          statsInterval,
          java.util.concurrent.TimeUnit.SECONDS);
    }
    if (pidfile != null) {
      Files.writeString(pidfile, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
    }
    Signals.onHangup(
        () -> {
          log.info("SIGHUP: reloading whitelists");
          whitelists.reload();
        });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  server.close();
                  sweeper.close();
                  sweepThread.shutdownNow();
                  whitelists.close();
                  scheduler.shutdownNow();
                  store.close();
                  if (pidfile != null) {
                    try {
                      Files.deleteIfExists(pidfile);
                    } catch (IOException e) {
                      log.warn("cannot remove {}", pidfile, e);
                    }
                  }
                  log.info("stopped");
                  stopped.countDown();
                },
                "shutdown"));
    log.info(
        "greygate {} ready: delay={}s max-age={}d retry-window={}s awl={} {} triplets in {}",
        Version.get(),
        config.delay(),
        config.maxAge() / GreylistConfig.DAY,
        config.retryWindow(),
        config.awlClients(),
        store.tripletCount(),
        greylist.dbdir);
    stopped.await();
    return GreygateCli.EXIT_OK;
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private java.io.PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Counters since start, one line: what postmasters graph without parsing decision lines. */
  private static void logStats(PolicyService service, PolicyServer server, LmdbStore store) {
    try {
      var s = server.stats();
      log.info(
          "stats: requests={} greylisted={} passed_first={} passed={} whitelisted={} not_applicable={} "
              + "store_failures={} timeouts={} protocol_errors={} refused={} denied={} connections={} triplets={}",
          s.requests(),
          service.count(org.greygate.greylist.Verdict.GREYLIST),
          service.count(org.greygate.greylist.Verdict.PREPEND),
          service.count(org.greygate.greylist.Verdict.PASS),
          service.whitelisted(),
          service.count(org.greygate.greylist.Verdict.NOT_APPLICABLE),
          service.storeFailures(),
          s.timeouts(),
          s.protocolErrors(),
          s.refused(),
          s.denied(),
          server.openConnections(),
          store.tripletCount());
    } catch (RuntimeException e) {
      log.warn("stats line failed", e);
    }
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
    if (commitIntervalMillis < 0 || commitIntervalMillis > 500) {
      throw new GreygateCli.UsageError(
          "--commit-interval must be between 0 and 500 milliseconds (writes must be durable within 1 s)");
    }
    if (replyTimeoutMillis < 0) {
      throw new GreygateCli.UsageError("--reply-timeout must be >= 0 milliseconds");
    }
    return new ServerOptions(
        listen,
        new ProtocolLimits(maxLine, maxAttributes, maxRequest),
        maxConnections,
        Duration.ofSeconds(idleTimeout),
        backlog,
        exim,
        ioThreads,
        Duration.ofMillis(replyTimeoutMillis),
        storeFailureAction,
        allowed);
  }

  /** -v: debug everywhere. -q: no per-decision lines; start, stop, reload and errors stay. */
  private void setLogLevel() {
    if (verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
          .setLevel(Level.DEBUG);
    } else if (quiet) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("greygate.decision"))
          .setLevel(Level.WARN);
    }
  }
}
