package org.greygate.store.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.EventLoopSharing;
import org.greygate.store.Expiry;
import org.greygate.store.RowChange;
import org.greygate.store.StoreException;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.TripletStore;
import org.greygate.store.WindowCount;

/**
 * A {@link TripletStore} on Redis, shared by every greygate that names it. Every row carries a TTL
 * from the {@link Expiry}, so Redis lets dead rows go by itself. Commands in flight are bounded:
 * past the bound, or while Redis is unreachable, a call fails at once with {@link
 * StoreException.Unavailable} (the chain then answers the fail-open action).
 *
 * <p>Parts: {@link RedisConnections} (connections, the server's event loops), {@link RedisScripts}
 * (the Lua scripts, bounded calls), {@link RedisSteps} (the triplet script, compare-and-set steps),
 * {@link RedisCounters} (windows, decision counters and their flush thread), {@link RedisTables}
 * (sweep, listings), {@link RedisCodec} (keys and rows as text), {@link RedisFaults} (errors, by
 * Redis error code), {@link RedisLocation} (URLs). This class is the contract, and the order in
 * which the parts open and close.
 */
public final class RedisStore implements TripletStore {
  private final RedisConnections connections;
  private final RedisSteps steps;
  private final RedisCounters counters;
  private final RedisTables tables;
  private final RedisScripts scripts;
  private final RedisCodec codec;
  private final String where;
  private final Optional<EventLoopSharing> sharing;
  private final RedisDurability durability;
  private volatile boolean closed;

  /**
   * Where and how to connect.
   *
   * @param uri the server (for a cluster, the first node named)
   * @param tls for {@code rediss://}: the CA to trust (null: the system's), and a client
   *     certificate and its key (PEM, the key unencrypted PKCS#8) when the server asks for one
   * @param clusterNodes for a Redis Cluster, every node named (the rest is discovered); empty for
   *     one server
   * @param durability whether a first sighting waits for replicas ({@link Durability#OFF}: no)
   */
  public record Settings(
      RedisURI uri,
      String prefix,
      Duration timeout,
      int maxInFlight,
      Tls tls,
      List<RedisURI> clusterNodes,
      Durability durability) {
    public Settings {
      if (prefix == null) prefix = "greygate:";
      if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be >= 1");
      if (durability == null) durability = Durability.OFF;
      clusterNodes = List.copyOf(clusterNodes);
      if (!clusterNodes.isEmpty() && (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0)) {
        throw new IllegalArgumentException(
            "a Redis Cluster's key prefix must not contain '{' or '}' (they would choose the"
                + " hash slot of every key): "
                + prefix);
      }
    }

    public Settings(
        RedisURI uri,
        String prefix,
        Duration timeout,
        int maxInFlight,
        Tls tls,
        List<RedisURI> clusterNodes) {
      this(uri, prefix, timeout, maxInFlight, tls, clusterNodes, Durability.OFF);
    }

    public Settings(RedisURI uri, String prefix, Duration timeout, int maxInFlight, Tls tls) {
      this(uri, prefix, timeout, maxInFlight, tls, List.of());
    }

    /** These settings, a first sighting waiting for replicas as {@code d} says. */
    public Settings withDurability(Durability d) {
      return new Settings(uri, prefix, timeout, maxInFlight, tls, clusterNodes, d);
    }

    public Settings(RedisURI uri, String prefix, Duration timeout, int maxInFlight) {
      this(uri, prefix, timeout, maxInFlight, null);
    }

    /** Whether this is a Redis Cluster. */
    public boolean cluster() {
      return !clusterNodes.isEmpty();
    }

    /**
     * From the URL as admins write it ({@link RedisLocation}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Settings of(
        String url, String password, String prefix, Duration timeout, int maxInFlight, Tls tls) {
      List<RedisURI> uris = RedisLocation.parseAll(url, password);
      RedisURI uri = uris.get(0);
      if (tls != null && !uri.isSsl()) {
        throw new IllegalArgumentException(
            "TLS files need rediss:// or rediss-cluster://, not " + url);
      }
      return new Settings(
          uri, prefix, timeout, maxInFlight, tls, RedisLocation.isCluster(url) ? uris : List.of());
    }
  }

  /** TLS files, PEM; any may be null. */
  public record Tls(Path ca, Path cert, Path key) {}

  /**
   * {@code WAIT}-based durability of a triplet's first sighting (the row its retry must find): the
   * answer waits until {@code replicas} replicas of the master that took the row hold it, or until
   * {@code timeout} passed (then it is given anyway, and logged). Off with 0 replicas.
   */
  public record Durability(int replicas, Duration timeout) {
    public static final int MAX_REPLICAS = 16;
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);
    public static final Durability OFF = new Durability(0, Duration.ofMillis(100));

    public Durability {
      if (replicas < 0 || replicas > MAX_REPLICAS) {
        throw new IllegalArgumentException("replicas must be 0 to " + MAX_REPLICAS);
      }
      if (timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException(
            "the wait must be 1 ms to " + MAX_TIMEOUT.toSeconds() + " s");
      }
    }

    /** Whether a first sighting waits at all. */
    public boolean on() {
      return replicas > 0;
    }
  }

  private RedisStore(
      RedisConnections connections,
      RedisScripts scripts,
      Settings s,
      Expiry e,
      RedisDurability durability) {
    this.connections = connections;
    this.scripts = scripts;
    this.durability = durability;
    this.where = where(s);
    this.codec = new RedisCodec(s.prefix(), s.cluster());
    this.steps = new RedisSteps(scripts, connections, codec, e, where, durability);
    this.counters = new RedisCounters(scripts, connections, codec, e, where);
    this.tables = new RedisTables(scripts, connections, codec, where);
    this.sharing =
        Optional.of(
            new EventLoopSharing() {
              @Override
              public void shareEventLoops(List<? extends ScheduledExecutorService> loops) {
                ensureOpen();
                connections.shareEventLoops(loops);
              }

              @Override
              public void releaseEventLoops() {
                connections.releaseEventLoops();
              }
            });
  }

  /**
   * Connects, checks the server answers (a wrong password or an unreachable server fails here, with
   * the reason) and loads the scripts.
   *
   * @param expiry the expiry rules, for the rows' TTLs
   * @throws StoreException.Unavailable naming the server and the reason
   */
  public static RedisStore open(Settings settings, Expiry expiry) {
    String where = where(settings);
    RedisConnections connections = RedisConnections.open(settings, where);
    RedisDurability durability = null;
    try {
      RedisScripts scripts = new RedisScripts(connections, settings.maxInFlight(), where);
      if (settings.durability().on()) {
        durability = new RedisDurability(connections, settings.durability(), where);
      }
      return new RedisStore(connections, scripts, settings, expiry, durability);
    } catch (RedisException e) {
      if (durability != null) durability.close();
      connections.close();
      throw RedisFaults.atOpen(e, where);
    } catch (RuntimeException e) {
      if (durability != null) durability.close();
      connections.close();
      throw e;
    }
  }

  /** redis://host:port/db, without the password. */
  public static String describe(Settings s) {
    return where(s) + " (prefix " + s.prefix() + ")";
  }

  private static String where(Settings s) {
    return s.cluster() ? RedisLocation.describe(s.clusterNodes()) : RedisLocation.describe(s.uri());
  }

  // ---------------------------------------------------------------- decisions

  @Override
  public <R> CompletionStage<R> step(String tripletKey, String clientKey, RowChange<R> change) {
    return step(null, tripletKey, clientKey, change);
  }

  @Override
  public <R> CompletionStage<R> step(
      String unit, String tripletKey, String clientKey, RowChange<R> change) {
    try {
      ensureOpen();
      if (tripletKey == null && clientKey == null) {
        return CompletableFuture.completedFuture(change.apply(null, null).result());
      }
      return steps.step(tripletKey, unit, clientKey, change, 0);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<TripletRule.Result> greylist(
      String tripletKey, String clientKey, TripletRule rule, long now) {
    return greylist(null, tripletKey, null, clientKey, rule, now);
  }

  @Override
  public CompletionStage<TripletRule.Result> greylist(
      String tripletUnit,
      String tripletKey,
      String clientUnit,
      String clientKey,
      TripletRule rule,
      long now) {
    try {
      ensureOpen();
      return steps.greylist(tripletUnit, tripletKey, clientUnit, clientKey, rule, now);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A cluster keeps a unit's rows in one hash slot. */
  @Override
  public boolean groupsRowsByUnit() {
    return codec.cluster;
  }

  @Override
  public CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit) {
    try {
      ensureOpen();
      return counters.addToWindow(key, now, windowSeconds, amount, limit);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void countDecisions(long epochSecond, String action, String reason, long n) {
    if (!closed) counters.countDecisions(epochSecond, action, reason, n);
  }

  @Override
  public void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action) {
    ensureOpen();
    counters.forEachDecisionCount(fromHour, toHour, action);
  }

  /** The decisions' I/O may run on the server's event loops. */
  @Override
  public Optional<EventLoopSharing> eventLoopSharing() {
    return sharing;
  }

  // ---------------------------------------------------------------- housekeeping

  @Override
  public SweepProgress sweep(Expiry rule, long now, SweepProgress from, int limit) {
    ensureOpen();
    return tables.sweep(rule, now, from, limit);
  }

  @Override
  public void flush() {
    ensureOpen();
    counters.writeDecisionCounts();
  }

  @Override
  public void checkKeying(String mark) {
    ensureOpen();
    try {
      RedisClusterCommands<String, String> sync = connections.sync();
      sync.setnx(codec.keying(), mark);
      String stored = sync.get(codec.keying());
      if (stored != null && !stored.equals(mark)) {
        throw new StoreException.Unavailable(
            "store "
                + where
                + " holds keys made "
                + describeKeying(stored)
                + ", this host makes them "
                + describeKeying(mark)
                + ": every host must use --privacy alike and the same privacy.key (copy it from"
                + " a host that shares the store), or their triplets never meet");
      }
    } catch (RedisException e) {
      throw RedisFaults.translate(e, where);
    }
  }

  private static String describeKeying(String mark) {
    return mark.equals("plain") ? "without --privacy" : "with the privacy key " + mark;
  }

  /** Rows carry TTLs: Redis removes dead ones by itself, no sweep needed. */
  @Override
  public boolean expiresByItself() {
    return true;
  }

  @Override
  public String problem() {
    if (closed) return "store " + where + " is closed";
    if (!connections.isOpen()) return "store " + where + ": not connected";
    String p = scripts.problem();
    if (p != null) return p;
    String degraded = connections.clusterProblem();
    return degraded == null ? null : "store " + where + ": " + degraded;
  }

  // ---------------------------------------------------------------- inspection

  /** Counting walks every key of every master: not for each stats line of each host. */
  @Override
  public boolean countsCheaply() {
    return false;
  }

  @Override
  public long tripletCount() {
    ensureOpen();
    return tables.count(RedisCodec.TRIPLETS);
  }

  @Override
  public long clientCount() {
    ensureOpen();
    return tables.count(RedisCodec.CLIENTS);
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    ensureOpen();
    tables.forEachTriplet(action);
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    ensureOpen();
    tables.forEachClient(action);
  }

  @Override
  public void forEachWindow(String keyPrefix, long now, WindowVisitor action) {
    ensureOpen();
    tables.forEachWindow(keyPrefix, now, action);
  }

  // ---------------------------------------------------------------- lifecycle

  private void ensureOpen() {
    if (closed) throw new StoreException.Unavailable("store " + where + " is closed");
  }

  /** Idempotent: the last decision counters are written, then the connections closed. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    counters.close();
    if (durability != null) durability.close();
    connections.close();
  }
}
