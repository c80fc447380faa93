package org.greygate.cli;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.greygate.app.DaemonConfig;
import org.greygate.app.Greygate;
import org.greygate.files.PrivateFiles;
import org.greygate.greylist.GreylistConfig;
import org.greygate.metrics.Counters;
import org.greygate.metrics.Metrics;
import org.greygate.metrics.prometheus.PrometheusMetrics;
import org.greygate.policy.DecisionLog;
import org.greygate.queue.QueueWatch;
import org.greygate.queue.QueueWatchConfig;
import org.greygate.ratelimit.RateRules;
import org.greygate.server.HttpEndpoint;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import org.greygate.store.StoreException;
import org.greygate.store.redis.RedisStore;
import org.greygate.systemd.SystemdNotify;
import org.greygate.whitelist.WhitelistException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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

  @Mixin DaemonOptions options;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read options from FILE, one per line (name=value); an option given on the command line replaces the file's.")
  java.nio.file.Path config;

  @Mixin QueueWatchOptions queueOptions;

  @Option(
      names = "--queue-watch",
      description =
          "Also watch Postfix's queue (sizes as metrics, alerts; the --queue-*, --mail-log, --release-* and --volume-* options; docs/outbound.md).")
  boolean queueWatch;

  @Option(
      names = "--start-only",
      description =
          "Start as configured (store, whitelists, rules, sockets), then stop at once: exit 0 when the configuration starts. Use another --inet/--unix and --dbdir than a running daemon's; the launcher trains its class archive this way.")
  boolean startOnly;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    setLogLevel(options);
    DaemonConfig daemon = options.daemonConfig(Version.get());
    QueueWatchConfig queueConfig = queueWatchConfig();
    ServerOptions serverOptions = options.serverOptions();
    if (options.daemonize)
      log.info("--daemonize ignored: greygate runs in the foreground; let systemd supervise it");
    RunningUser.Verdict who = RunningUser.check(options.user, options.group);
    if (who != null && who.refuse()) {
      err().println("greygate: " + who.message());
      return GreygateCli.EXIT_USAGE;
    } else if (who != null) {
      log.warn(who.message());
    }
    if ("root".equals(System.getProperty("user.name"))) {
      // a network-facing parser should not hold every privilege of the machine
      log.warn(
          "running as root: run greygate as its own user (--user=greygate, which the launcher"
              + " switches to with setpriv, or User=greygate in the systemd unit); it needs no"
              + " privilege beyond its dbdir and socket");
    }
    if (options.syslogFacility != null)
      log.info("--syslog-facility ignored: logs go to stdout (journald)");

    java.net.InetSocketAddress metricsAt = options.metricsAddress();
    Counters metrics = new Counters();
    PrometheusMetrics prometheus = metricsAt == null ? null : new PrometheusMetrics();
    Metrics sink = prometheus == null ? metrics : Metrics.both(metrics, prometheus);
    Greygate greygate;
    try {
      greygate = Greygate.open(daemon, metrics, sink, Clock.systemUTC());
    } catch (StoreException e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    } catch (WhitelistException | RateRules.Invalid e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_USAGE;
    }
    PolicyServer server =
        new PolicyServer(
            serverOptions, greygate.chain().withReplyTimeout(serverOptions.replyTimeout()), sink);
    HttpEndpoint[] endpoint = new HttpEndpoint[1];
    QueueWatch[] watch = new QueueWatch[1];
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stop =
        () -> {
          SystemdNotify.fromEnvironment().stopping();
          log.info("shutting down");
          if (watch[0] != null) watch[0].close();
          if (endpoint[0] != null) endpoint[0].close();
          server.close(); // answers the decisions under way first
          greygate.close();
          if (options.pidfile != null) {
            try {
              Files.deleteIfExists(options.pidfile);
            } catch (IOException e) {
              log.warn("cannot remove {}", options.pidfile, e);
            }
          }
          log.info("stopped");
          // the log goes through a queue: write out what is in it before the JVM exits
          ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).stop();
          stopped.countDown();
        };
    String listening;
    try {
      listening =
          server.start().stream()
              .map(a -> a instanceof java.net.InetSocketAddress i ? hostPort(i) : String.valueOf(a))
              .collect(java.util.stream.Collectors.joining(", "));
    } catch (IOException e) {
      err().println("greygate: " + e.getMessage());
      server.close();
      greygate.close();
      return GreygateCli.EXIT_FAILURE;
    }
    if (prometheus != null) {
      try {
        endpoint[0] =
            MetricsListener.start(
                metricsAt,
                prometheus,
                () -> {
                  if (!server.listening()) return "not listening";
                  return greygate.store().problem();
                });
        log.info(
            "metrics on http://{}/metrics, health on /health", hostPort(endpoint[0].address()));
      } catch (IOException e) {
        err()
            .println(
                "greygate: --metrics " + options.metrics + ": cannot listen: " + e.getMessage());
        server.close();
        greygate.close();
        return GreygateCli.EXIT_FAILURE;
      }
    }
    if (greygate.store() instanceof RedisStore shared) {
      // the decisions' Redis commands run on the threads that serve the connections
      shared.shareEventLoops(server.workerLoops());
      server.beforeLoopsStop(shared::releaseEventLoops);
    }
    greygate.start();
    if (queueConfig != null) {
      watch[0] =
          new QueueWatch(
              queueConfig,
              sink,
              options.decisionLogFormat() == DecisionLog.Format.JSON,
              () -> Clock.systemUTC().instant().getEpochSecond());
      watch[0].start();
    }
    RecordedOptions.write(spec, daemon.dbdir());
    if (options.pidfile != null) {
      try {
        Files.writeString(
            options.pidfile, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
      } catch (IOException e) {
        // an init script waits for this file: better no daemon than one it cannot see
        err().println("greygate: --pidfile " + options.pidfile + ": " + PrivateFiles.reason(e));
        Path written = options.pidfile;
        options.pidfile = null; // not ours to remove at stop
        stop.run();
        log.debug("pidfile {} not written", written, e);
        return GreygateCli.EXIT_FAILURE;
      }
    }
    if (startOnly) {
      log.info("started (--start-only), listening on {}; stopping", listening);
      stop.run();
      return GreygateCli.EXIT_OK;
    }
    SystemdNotify systemd = SystemdNotify.fromEnvironment();
    Signals.onHangup(
        () -> {
          log.info("SIGHUP: reloading whitelists and rules");
          systemd.reloading();
          greygate.reload();
          systemd.ready("reloaded");
        });
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
    GreylistConfig g = daemon.policy().greylist();
    log.info(
        "greygate {} ready: delay={}s max-age={}d retry-window={} awl={} whitelists={} client and"
            + " {} recipient entries, {} triplets in {}",
        Version.get(),
        g.delay(),
        g.maxAge() / GreylistConfig.DAY,
        g.retryWindow() % GreylistConfig.DAY == 0
            ? g.retryWindow() / GreylistConfig.DAY + "d"
            : g.retryWindow() / 3600 + "h",
        g.awlClients(),
        greygate.whitelists().clients().size(),
        greygate.whitelists().recipients().size(),
        greygate.store().tripletCount(),
        org.greygate.app.Stores.describe(daemon));
    systemd.ready("greygate " + Version.get() + " ready, listening on " + listening);
    stopped.await();
    return GreygateCli.EXIT_OK;
  }

  /** The queue watch's settings with --queue-watch; without it, its options are a mistake. */
  private QueueWatchConfig queueWatchConfig() {
    if (queueWatch) return queueOptions.config();
    for (CommandSpec mixin : spec.mixins().values()) {
      if (mixin.userObject() != queueOptions) continue;
      for (OptionSpec o : mixin.options()) {
        if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
          throw new GreygateCli.UsageError(o.longestName() + " needs --queue-watch");
        }
      }
    }
    return null;
  }

  private static String hostPort(java.net.InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** -v: debug everywhere. -q: no per-decision lines; start, stop, reload and errors stay. */
  static void setLogLevel(DaemonOptions options) {
    if (options.verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
          .setLevel(Level.DEBUG);
    } else if (options.quiet) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("greygate.decision"))
          .setLevel(Level.WARN);
    }
  }
}
