package org.greygate.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.greygate.config.ConfigurationException;
import org.greygate.feature.Assembly;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Counters;
import org.greygate.metrics.Metrics;
import org.greygate.metrics.prometheus.PrometheusMetrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.PolicyChain;
import org.greygate.report.StatsLine;
import org.greygate.server.HttpEndpoint;
import org.greygate.server.PolicyServer;
import org.greygate.store.Expiry;
import org.greygate.store.ExpirySweeper;
import org.greygate.store.PrivacySecret;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.WhitelistReloader;
import org.greygate.whitelist.Whitelists;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: everything a running daemon holds, built from one configuration. {@link
 * #open} acquires the store, the whitelists and rules (watched and reloaded), the policy chain and
 * the expiry sweeper, or nothing; {@link #start} binds the policy listeners, shares their event
 * loops with a network store, then starts the metrics endpoint, the queue watch, the sweep and the
 * stats line; {@link #close} stops it all once, in reverse: queue watch, metrics endpoint, the
 * listeners (answering the decisions under way), then the background work and the store (pending
 * writes made durable).
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final Resources resources = new Resources();
  private final TripletStore store;
  private final WhitelistReloader whitelists;
  private final Assembler features;
  private final PolicyChain chain;
  private final ExpirySweeper sweeper;
  private final ScheduledExecutorService housekeeping;
  private final DaemonConfig config;
  private final Counters metrics;
  private final Metrics sink;
  private final PrometheusMetrics prometheus;
  private final Clock clock;
  private PolicyServer server;
  private HttpEndpoint endpoint;
  private boolean closed;

  private Daemon(DaemonConfig config, Clock clock) throws ConfigurationException, IOException {
    this.config = config;
    this.clock = clock;
    this.metrics = new Counters();
    this.prometheus = config.metrics() == null ? null : new PrometheusMetrics();
    this.sink = prometheus == null ? metrics : Metrics.both(metrics, prometheus);
    try {
      if (config.redis() != null) {
        // without LMDB the dbdir still holds the privacy key, recorded options, reset requests
        try {
          org.greygate.files.PrivateFiles.createPrivateDirectories(config.dbdir());
          org.greygate.files.PrivateFiles.requireStateDirectory(config.dbdir());
        } catch (IOException e) {
          throw new org.greygate.store.StoreException.Unavailable(
              "cannot use "
                  + config.dbdir()
                  + " (--dbdir): "
                  + org.greygate.files.PrivateFiles.reason(e),
              e);
        }
      }
      store =
          Stores.open(
              config.store(),
              Stores.Access.SERVE,
              config.policy().greylist().expiry(),
              config.commitInterval());
      resources.add(store);
      sink.pendingWrites(store::pendingWrites);
      sink.droppedWrites(store::droppedWrites);
      sink.journalFull(store::journalFull);
      housekeeping = daemonThreads("housekeeping");
      resources.add(housekeeping::shutdownNow);
      whitelists = new WhitelistReloader(config.whitelists(), housekeeping, 300, sink);
      resources.add(whitelists);
      whitelists.watch();
      KeyHasher hasher =
          config.privacy()
              ? KeyHasher.hmac(PrivacySecret.loadOrCreate(config.dbdir()))
              : KeyHasher.PLAIN;
      // a fingerprint of the secret, not the secret: which key, never the key itself
      store.checkKeying(
          config.privacy()
              ? "hmac:" + hasher.apply("greygate keying check").substring(0, 16)
              : "plain");
      features =
          new Assembler(
                  Assembly.Use.SERVE,
                  config.settings(),
                  store,
                  sink,
                  clock,
                  config.dbdir(),
                  whitelists,
                  config.policy().logFormat() == DecisionLog.Format.JSON,
                  config.policy().dns())
              .install(Features.ALL);
      resources.add(features::closeAll);
      if (config.metrics() == null
          && !(features.apiGets().isEmpty() && features.apiPosts().isEmpty())) {
        throw new ConfigurationException(
            "the HTTP API is answered on the metrics listener: give --metrics=HOST:PORT too");
      }
      chain =
          ChainFactory.create(
              config.policy(),
              store,
              whitelists,
              features,
              hasher,
              clock,
              sink,
              config.server().replyTimeout());
      // The sweep gets its own thread: a round over millions of rows takes a while, and reloads
      // and the stats line on the housekeeping thread must not wait for it.
      ScheduledExecutorService sweepThread = daemonThreads("expiry-sweep");
      resources.add(sweepThread::shutdownNow);
      sweeper =
          new ExpirySweeper(
              store,
              sweepRule(config.policy().greylist().expiry()),
              clock,
              sweepThread,
              1000,
              5,
              sink);
      resources.add(sweeper);
    } catch (ConfigurationException | IOException | RuntimeException e) {
      closeAll();
      throw e;
    }
  }

  /**
   * Opens the store and loads the whitelists and rules; nothing listens or runs in the background
   * until {@link #start}.
   *
   * @throws org.greygate.store.StoreException if the store cannot be opened
   * @throws ConfigurationException if a file (whitelist, rules) cannot be used: exit 2
   * @throws IOException if a whitelist directory cannot be watched
   */
  public static Daemon open(DaemonConfig config, Clock clock)
      throws ConfigurationException, IOException {
    return new Daemon(config, clock);
  }

  /**
   * Binds the policy listeners and the metrics endpoint, then starts the queue watch, the sweeper
   * and the stats line.
   *
   * @return where the policy listeners are bound (ports resolved)
   * @throws IOException naming what could not be bound; the daemon is closed then
   */
  public synchronized List<SocketAddress> start() throws IOException {
    try {
      server = new PolicyServer(config.server(), chain, sink);
      resources.add(server); // closed first: answers the decisions under way
      List<SocketAddress> bound = server.start();
      // a network store's per-request I/O runs on the threads that serve the connections
      store
          .eventLoopSharing()
          .ifPresent(
              shared -> {
                shared.shareEventLoops(server.workerLoops());
                server.beforeLoopsStop(shared::releaseEventLoops);
              });
      if (prometheus != null) {
        try {
          endpoint =
              MetricsListener.start(
                  config.metrics(),
                  prometheus,
                  () -> server.listening() ? store.problem() : "not listening",
                  features.apiGets(),
                  features.apiPosts());
        } catch (IOException e) {
          throw new IOException(
              "--metrics " + address(config.metrics()) + ": cannot listen: " + e.getMessage(), e);
        }
        resources.add(endpoint);
        log.info("metrics on http://{}/metrics, health on /health", address(endpoint.address()));
      }
      if (!store.expiresByItself()) sweeper.start(config.sweepInterval().toSeconds());
      long every = config.statsInterval().toSeconds();
      if (every > 0) {
        housekeeping.scheduleAtFixedRate(
            new StatsLine(
                Features.reasons(), metrics, store.countsCheaply() ? store::tripletCount : null),
            every,
            every,
            TimeUnit.SECONDS);
      }
      features.start(housekeeping);
      return bound;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** {@code HOST:PORT}, an IPv6 host in brackets. */
  public static String address(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  public PolicyChain chain() {
    return chain;
  }

  public TripletStore store() {
    return store;
  }

  /** The sweep's expiry: the smallest delay of any recipient domain counts (see withMinDelay). */
  private Supplier<Expiry> sweepRule(Expiry base) {
    return () -> base.withMinDelay(whitelists.get().domains().minDelay());
  }

  /** The whitelists in force now. */
  public Whitelists whitelists() {
    return whitelists.get();
  }

  /**
   * SIGHUP: reads the whitelists and every feature's files again (a broken file keeps what is in
   * force).
   */
  public void reload() {
    whitelists.reload();
    features.reload();
  }

  private static ScheduledExecutorService daemonThreads(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Stops listening (the decisions under way answered first), the background work, and closes the
   * store (pending writes made durable first).
   */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    closeAll();
  }

  private void closeAll() {
    resources.closeAll();
  }
}
