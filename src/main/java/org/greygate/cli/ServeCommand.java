package org.greygate.cli;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.greygate.app.Daemon;
import org.greygate.app.DaemonConfig;
import org.greygate.app.ProcessConfig;
import org.greygate.config.ConfigurationException;
import org.greygate.files.PrivateFiles;
import org.greygate.greylist.GreylistConfig;
import org.greygate.store.StoreException;
import org.greygate.systemd.SystemdNotify;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the policy daemon in the foreground until SIGTERM/SIGINT. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    modelTransformer = DaemonOptions.Options.class,
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

  @Option(
      names = "--start-only",
      description =
          "Start as configured (store, whitelists, rules, sockets), then stop at once: exit 0 when the configuration starts. Use another --inet/--unix and --dbdir than a running daemon's; the launcher trains its class archive this way.")
  boolean startOnly;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    DaemonConfig config = options.daemonConfig(Version.get());
    setLogLevel(config.process());
    if (config.process().daemonize())
      log.info("--daemonize ignored: greygate runs in the foreground; let systemd supervise it");
    RunningUser.Verdict who = RunningUser.check(config.process().user(), config.process().group());
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
    if (config.process().syslogFacility() != null)
      log.info("--syslog-facility ignored: logs go to stdout (journald)");

    Path[] pidfile = {config.process().pidfile()}; // null once it is not ours to remove
    Daemon daemon;
    try {
      daemon = Daemon.open(config, Clock.systemUTC());
    } catch (StoreException e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    } catch (ConfigurationException e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_USAGE;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stop =
        () -> {
          SystemdNotify.fromEnvironment().stopping();
          log.info("shutting down");
          daemon.close();
          if (pidfile[0] != null) {
            try {
              Files.deleteIfExists(pidfile[0]);
            } catch (IOException e) {
              log.warn("cannot remove {}", pidfile[0], e);
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
          daemon.start().stream()
              .map(a -> a instanceof InetSocketAddress i ? Daemon.address(i) : String.valueOf(a))
              .collect(java.util.stream.Collectors.joining(", "));
    } catch (IOException e) {
      err().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
    RecordedOptions.write(spec, config.dbdir());
    if (pidfile[0] != null) {
      try {
        Files.writeString(
            pidfile[0], ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
      } catch (IOException e) {
        // an init script waits for this file: better no daemon than one it cannot see
        err().println("greygate: --pidfile " + pidfile[0] + ": " + PrivateFiles.reason(e));
        Path written = pidfile[0];
        pidfile[0] = null; // not ours to remove at stop
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
          daemon.reload();
          systemd.ready("reloaded");
        });
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
    GreylistConfig g = config.policy().greylist();
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
        daemon.whitelists().clients().size(),
        daemon.whitelists().recipients().size(),
        daemon.store().tripletCount(),
        config.store().describe());
    systemd.ready("greygate " + Version.get() + " ready, listening on " + listening);
    stopped.await();
    return GreygateCli.EXIT_OK;
  }

  private PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** -v: debug everywhere. -q: no per-decision lines; start, stop, reload and errors stay. */
  static void setLogLevel(ProcessConfig process) {
    if (process.logLevel() == ProcessConfig.LogLevel.VERBOSE) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
          .setLevel(Level.DEBUG);
    } else if (process.logLevel() == ProcessConfig.LogLevel.QUIET) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("greygate.decision"))
          .setLevel(Level.WARN);
    }
  }
}
