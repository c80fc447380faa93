package org.greygate.app;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.dns.DnsClient;
import org.greygate.dnslist.DnsListConfig;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Counters;
import org.greygate.metrics.Metrics;
import org.greygate.policy.PolicyChain;
import org.greygate.ratelimit.LimitResets;
import org.greygate.ratelimit.RateRules;
import org.greygate.ratelimit.RateRulesReloader;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.ExpirySweeper;
import org.greygate.store.PrivacySecret;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.WhitelistException;
import org.greygate.whitelist.WhitelistReloader;
import org.greygate.whitelist.Whitelists;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running daemon's state, minus its listeners: the store, the whitelists (watched and reloaded),
 * the policy chain, the expiry sweeper and the stats line. {@link #open} acquires everything or
 * nothing; {@link #close} releases it once, in reverse order.
 */
public final class Greygate implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Greygate.class);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final TripletStore store;
  private final WhitelistReloader whitelists;
  private final RateRulesReloader rules;
  private final PolicyChain chain;
  private final ExpirySweeper sweeper;
  private final ScheduledExecutorService housekeeping;
  private final DaemonConfig config;
  private final Counters metrics;
  private final Metrics sink;
  private boolean closed;

  private Greygate(DaemonConfig config, Counters metrics, Metrics sink, Clock clock)
      throws WhitelistException, RateRules.Invalid, IOException {
    this.config = config;
    this.metrics = metrics;
    this.sink = sink;
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
      store = Stores.open(config);
      resources.add(store);
      sink.pendingWrites(store::pendingWrites);
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
      rules = new RateRulesReloader(config.rules(), sink);
      rules.watch(housekeeping, 2);
      housekeeping.scheduleWithFixedDelay(
          () -> LimitResets.applyRequests(config.dbdir(), store, clock.instant().getEpochSecond()),
          1,
          1,
          TimeUnit.SECONDS);
      DnsListConfig lists = config.policy().dnsLists();
      DnsClient dns = config.policy().asksDns() ? config.policy().dns().client() : null;
      if (dns != null) {
        resources.add(dns::close);
        log.info(
            "DNS asked through {} within {} ms a request:{}{}",
            dns.servers(),
            config.policy().dns().budget().toMillis(),
            lists.active() ? " DNS lists " + lists.lists() : "",
            config.policy().spfGrouping() ? " SPF retry grouping" : "");
      }
      ExecutorService spfThreads = null;
      if (dns != null && config.policy().spfGrouping()) {
        // SPF checks run here, never on a network thread nor on the DNS client's thread
        spfThreads = spfThreads(Runtime.getRuntime().availableProcessors());
        resources.add(spfThreads::shutdownNow);
      }
      chain =
          ChainFactory.create(
              config.policy(), store, whitelists, rules, dns, spfThreads, hasher, clock, sink);
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
    } catch (WhitelistException | RateRules.Invalid | IOException | RuntimeException e) {
      closeAll();
      throw e;
    }
  }

  /**
   * Opens the store and loads the whitelists; nothing runs in the background until {@link #start}.
   *
   * @throws org.greygate.store.StoreException if the store cannot be opened
   * @throws WhitelistException if a whitelist file is broken
   * @throws RateRules.Invalid if the rules file is broken
   */
  public static Greygate open(DaemonConfig config, Counters metrics, Clock clock)
      throws WhitelistException, RateRules.Invalid, IOException {
    return new Greygate(config, metrics, metrics, clock);
  }

  /**
   * As {@link #open(DaemonConfig, Counters, Clock)}, with every stage reporting to {@code sink}
   * (which must include {@code metrics}, read by the stats line), e.g. a Prometheus exporter too.
   */
  public static Greygate open(DaemonConfig config, Counters metrics, Metrics sink, Clock clock)
      throws WhitelistException, RateRules.Invalid, IOException {
    return new Greygate(config, metrics, sink, clock);
  }

  /** Starts the sweeper and the stats line. */
  public void start() {
    if (!store.expiresByItself()) sweeper.start(config.sweepInterval().toSeconds());
    long every = config.statsInterval().toSeconds();
    if (every > 0) {
      housekeeping.scheduleAtFixedRate(
          new org.greygate.report.StatsLine(metrics, store::tripletCount),
          every,
          every,
          TimeUnit.SECONDS);
    }
  }

  public PolicyChain chain() {
    return chain;
  }

  public TripletStore store() {
    return store;
  }

  /**
   * The sweep's rule: a triplet counts as passed once it waited the smallest delay any recipient
   * domain has, so a domain with a shorter delay than the default keeps its passed triplets for
   * max-age rather than the retry window (the request's rule decides with the domain's delay).
   */
  private ExpiryRule sweepRule(Expiry base) {
    return new ExpiryRule() {
      @Override
      public boolean tripletExpired(TripletEntry entry, long now) {
        long min = whitelists.get().domains().minDelay();
        // a domain with no delay passes at first sight: such a row is no sign of a pass
        long delay = min >= 0 && min < base.delay() ? Math.max(1, min) : base.delay();
        return now - entry.lastSeen() > base.maxAge()
            || entry.lastSeen() - entry.firstSeen() < delay
                && now - entry.lastSeen() > base.retryWindow();
      }

      @Override
      public boolean clientExpired(ClientEntry entry, long now) {
        return base.clientExpired(entry, now);
      }

      @Override
      public boolean decisionHourExpired(long hour, long now) {
        return base.decisionHourExpired(hour, now);
      }
    };
  }

  /** The whitelists in force now. */
  public Whitelists whitelists() {
    return whitelists.get();
  }

  /** SIGHUP: reads the whitelists and the rules again (a broken file keeps the current ones). */
  public void reload() {
    whitelists.reload();
    rules.reload();
  }

  /** The rate-limit rules in force now. */
  public RateRules rules() {
    return rules.get();
  }

  /** Steps waiting for an SPF thread, at most: a flood of checks is shed, never hoarded. */
  static final int SPF_QUEUE = 10_000;

  /**
   * {@code n} daemon threads {@code spf-1..n} behind a bounded queue. When it is full a new check
   * is refused at once and its request decided as if SPF grouping were off (counted as a timeout):
   * a burst of costly records can slow SPF down, never grow the daemon's memory.
   */
  private static ExecutorService spfThreads(int n) {
    AtomicInteger count = new AtomicInteger();
    return new java.util.concurrent.ThreadPoolExecutor(
        n,
        n,
        0,
        TimeUnit.SECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(SPF_QUEUE),
        r -> {
          Thread t = new Thread(r, "spf-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  private static ScheduledExecutorService daemonThreads(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /** Stops the background work and closes the store (pending writes made durable first). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    closeAll();
  }

  private void closeAll() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("closing {}", resources.get(i), e);
      }
    }
    resources.clear();
  }
}
