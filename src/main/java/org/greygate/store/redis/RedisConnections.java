package org.greygate.store.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.greygate.store.EventLoopSharing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The store's connections to Redis: the first one (its own Lettuce event loop; for tools, the
 * counter flush and any thread that is not a server loop) and, once the server shares its event
 * loops, one connection per loop whose I/O runs on that loop. Commands are rejected, not queued,
 * while disconnected; Lettuce reconnects by itself.
 *
 * <p>For a Redis Cluster each of these is a cluster connection: Lettuce routes a command by its
 * first key's slot to the master serving it (never to a replica), follows MOVED and ASK, and
 * refreshes the cluster's map every 30 seconds and at once on a redirection, an unknown node, an
 * uncovered slot or repeated reconnects (a failover).
 */
final class RedisConnections implements EventLoopSharing {
  private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);
  private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);

  /**
   * The commands a loop sends in one turn (the requests it read from every client, the next steps
   * of the decisions Redis answered) leave in one write per Redis connection, at the end of the
   * turn, instead of one write, one system call, per command: Redis then reads them in one read and
   * answers in one write. A flush while the connection reads waits for the end of that read; any
   * other waits for the loop's next task, never longer.
   */
  private static final NettyCustomizer FLUSH_PER_LOOP_TURN =
      new NettyCustomizer() {
        @Override
        public void afterChannelInitialized(Channel channel) {
          channel
              .pipeline()
              .addFirst(
                  new FlushConsolidationHandler(
                      FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        }
      };

  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> async;
  private final RedisClusterCommands<String, String> sync;
  private final RedisStore.Settings settings;
  private final String where;
  private final Disposable topologyWatch;
  private volatile LoopConnection[] perLoop;

  /** A connection whose I/O runs on one of the server's event loops. */
  private record LoopConnection(
      EventLoop loop,
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> async,
      Disposable topologyWatch) {}

  private RedisConnections(
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisStore.Settings settings,
      String where) {
    this.client = client;
    this.connection = connection;
    this.async = async(connection);
    this.sync =
        connection instanceof StatefulRedisClusterConnection<String, String> c
            ? c.sync()
            : ((StatefulRedisConnection<String, String>) connection).sync();
    this.settings = settings;
    this.where = where;
    this.topologyWatch = watchTopology(client, connection);
  }

  private static RedisClusterAsyncCommands<String, String> async(
      StatefulConnection<String, String> c) {
    return c instanceof StatefulRedisClusterConnection<String, String> cc
        ? cc.async()
        : ((StatefulRedisConnection<String, String>) c).async();
  }

  /**
   * Connects and checks the server answers: a wrong password or an unreachable server fails here.
   *
   * @throws org.greygate.store.StoreException.Unavailable naming the server and the reason
   */
  static RedisConnections open(RedisStore.Settings settings, String where) {
    List<RedisURI> uris = settings.cluster() ? settings.clusterNodes() : List.of(settings.uri());
    for (RedisURI uri : uris) {
      uri.setTimeout(settings.timeout());
      // CLIENT LIST on the Redis server then tells greygate's connections from others
      if (uri.getClientName() == null) uri.setClientName("greygate");
    }
    AbstractRedisClient client = newClient(null, settings, null);
    try {
      StatefulConnection<String, String> c = connect(client, settings);
      try {
        if (c instanceof StatefulRedisClusterConnection<String, String> cc) {
          cc.sync().ping();
        } else {
          ((StatefulRedisConnection<String, String>) c).sync().ping();
        }
        return new RedisConnections(client, c, settings, where);
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    } catch (RedisException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw RedisFaults.atOpen(e, where);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  /**
   * @param name the connections' name on the servers ({@code CLIENT LIST}), for a cluster's
   *     connections on a server loop; null: the URL's
   */
  private static AbstractRedisClient newClient(
      ClientResources resources, RedisStore.Settings s, String name) {
    if (s.cluster()) {
      List<RedisURI> nodes =
          name == null
              ? s.clusterNodes()
              : s.clusterNodes().stream()
                  .map(u -> RedisURI.builder(u).withClientName(name).build())
                  .toList();
      RedisClusterClient c =
          resources == null
              ? RedisClusterClient.create(nodes)
              : RedisClusterClient.create(resources, nodes);
      c.setOptions(clusterOptions(s));
      return c;
    }
    RedisClient c = resources == null ? RedisClient.create() : RedisClient.create(resources);
    c.setOptions(clientOptions(s));
    return c;
  }

  private static StatefulConnection<String, String> connect(
      AbstractRedisClient client, RedisStore.Settings s) {
    if (client instanceof RedisClusterClient cc) {
      StatefulRedisClusterConnection<String, String> c = cc.connect(StringCodec.UTF8);
      c.setReadFrom(ReadFrom.UPSTREAM); // a decision never reads a replica's stale row
      connectMasters(c, true);
      return c;
    }
    return ((RedisClient) client).connect(StringCodec.UTF8, s.uri());
  }

  /**
   * After a change of the cluster's map (a failover, a reshard), connects to the new masters at
   * once; the returned watch must be disposed of before the client shuts down. {@code null} for one
   * server.
   */
  private static Disposable watchTopology(
      AbstractRedisClient client, StatefulConnection<String, String> connection) {
    if (!(connection instanceof StatefulRedisClusterConnection<String, String> c)) return null;
    return client
        .getResources()
        .eventBus()
        .get()
        .filter(e -> e instanceof ClusterTopologyChangedEvent)
        .subscribe(e -> connectMasters(c, false));
  }

  /**
   * Opens the connection to every master now. Lettuce connects to a cluster's nodes lazily and,
   * commands being rejected while disconnected, would refuse the first commands for each master;
   * after a failover or a reshard (the map changed) the new masters are connected at once, in the
   * background.
   *
   * @param wait whether to wait for each (at open), or only start connecting
   */
  private static void connectMasters(
      StatefulRedisClusterConnection<String, String> c, boolean wait) {
    for (RedisClusterNode n : c.getPartitions()) {
      if (!n.is(RedisClusterNode.NodeFlag.UPSTREAM) || n.getSlots().isEmpty()) continue;
      if (n.is(RedisClusterNode.NodeFlag.FAIL)) continue;
      try {
        if (wait) {
          c.getConnection(n.getUri().getHost(), n.getUri().getPort());
        } else {
          c.getConnectionAsync(n.getUri().getHost(), n.getUri().getPort());
        }
      } catch (RedisException e) {
        log.warn(
            "cluster master {}:{} does not answer now ({}); its slots fail until it does",
            n.getUri().getHost(),
            n.getUri().getPort(),
            RedisFaults.reason(e, true));
      }
    }
  }

  private static ClientOptions clientOptions(RedisStore.Settings settings) {
    ClientOptions.Builder options = ClientOptions.builder();
    common(options, settings);
    return options.build();
  }

  private static ClusterClientOptions clusterOptions(RedisStore.Settings settings) {
    ClusterClientOptions.Builder options = ClusterClientOptions.builder();
    common(options, settings);
    return options
        .topologyRefreshOptions(
            ClusterTopologyRefreshOptions.builder()
                .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                .enableAdaptiveRefreshTrigger(
                    ClusterTopologyRefreshOptions.RefreshTrigger.MOVED_REDIRECT,
                    ClusterTopologyRefreshOptions.RefreshTrigger.ASK_REDIRECT,
                    ClusterTopologyRefreshOptions.RefreshTrigger.PERSISTENT_RECONNECTS,
                    ClusterTopologyRefreshOptions.RefreshTrigger.UNCOVERED_SLOT,
                    ClusterTopologyRefreshOptions.RefreshTrigger.UNKNOWN_NODE)
                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                .refreshTriggersReconnectAttempts(2)
                .dynamicRefreshSources(true)
                .closeStaleConnections(true)
                .build())
        .validateClusterNodeMembership(true)
        .build();
  }

  private static void common(ClientOptions.Builder options, RedisStore.Settings settings) {
    RedisStore.Tls tls = settings.tls();
    if (tls != null && (tls.ca() != null || tls.cert() != null)) {
      SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
      if (tls.ca() != null) ssl.trustManager(tls.ca().toFile());
      if (tls.cert() != null) ssl.keyManager(tls.cert().toFile(), tls.key().toFile(), null);
      options.sslOptions(ssl.build());
    }
    options
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(Math.max(1024, settings.maxInFlight() * 2))
        .timeoutOptions(TimeoutOptions.enabled(settings.timeout()));
  }

  boolean cluster() {
    return settings.cluster();
  }

  /**
   * Blocking commands to every master, one after another (a cluster's SCANs walk each master's
   * keys); for one server, that server. The cluster's map is refreshed first, so a master promoted
   * or added since the last refresh is walked too.
   */
  List<RedisClusterCommands<String, String>> masters() {
    if (!(connection instanceof StatefulRedisClusterConnection<String, String> c)) {
      return List.of(sync);
    }
    ((RedisClusterClient) client).refreshPartitions();
    List<RedisClusterNode> nodes = new ArrayList<>();
    for (RedisClusterNode n : c.getPartitions()) {
      if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) nodes.add(n);
    }
    nodes.sort(Comparator.comparing(RedisClusterNode::getNodeId));
    List<RedisClusterCommands<String, String>> out = new ArrayList<>();
    for (RedisClusterNode n : nodes) out.add(c.getConnection(n.getNodeId()).sync());
    return out;
  }

  /**
   * A cluster's slots that no master serves now, and the failing masters that held them, in words;
   * {@code null} while every slot is served (a failed node whose slots a replica took over is no
   * problem), and for one server. As Lettuce last saw the cluster: it looks again on repeated
   * reconnects, on redirections and every 30 seconds.
   */
  String clusterProblem() {
    if (!(connection instanceof StatefulRedisClusterConnection<String, String> c)) return null;
    List<String> down = new ArrayList<>();
    int covered = 0;
    for (RedisClusterNode n : c.getPartitions()) {
      if (!n.is(RedisClusterNode.NodeFlag.UPSTREAM) || n.getSlots().isEmpty()) continue;
      if (n.is(RedisClusterNode.NodeFlag.FAIL) || n.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)) {
        down.add(
            n.getUri().getHost()
                + ":"
                + n.getUri().getPort()
                + " ("
                + n.getSlots().size()
                + " slots)");
      } else {
        covered += n.getSlots().size();
      }
    }
    if (covered >= 16384) return null;
    return "cluster degraded: "
        + (16384 - covered)
        + " of 16384 slots without a master"
        + (down.isEmpty() ? "" : ", failing: " + String.join(", ", down));
  }

  /** The connection of the event loop this runs on, or the first one. */
  RedisClusterAsyncCommands<String, String> async() {
    LoopConnection[] p = perLoop;
    if (p != null) {
      for (LoopConnection c : p) {
        if (c.loop().inEventLoop()) return c.async();
      }
    }
    return async;
  }

  /**
   * A new connection of the first client's (for a cluster, to every master), for a caller that
   * needs one of its own: a command that blocks its connection, as {@code WAIT} does, must not
   * stall the decisions multiplexed on the shared ones. Blocks while it connects: not on an event
   * loop. The caller closes it.
   *
   * @throws RedisException when it cannot connect
   */
  StatefulConnection<String, String> another() {
    return connect(client, settings);
  }

  /** How long after a refresh of the cluster's map asked by {@link #refreshMap} no other starts. */
  static final Duration REFRESH_REST = Duration.ofMillis(100);

  private final Object refreshLock = new Object();

  /** The refresh under way, or the last one while it rests; guarded by refreshLock. */
  private CompletableFuture<Void> refresh;

  /** Whether the last refresh rests; guarded by refreshLock. */
  private boolean resting;

  /** The refresh to start when the rest ends, for callers that came meanwhile; refreshLock. */
  private CompletableFuture<Void> queuedRefresh;

  /**
   * Reads a cluster's map again, on every client (the first one's and each event loop's): after a
   * command failed for want of a connection to its slot's master, the master may have been replaced
   * (a failover) while Lettuce's map still names the dead one. One refresh at a time: callers
   * meanwhile share it; after it ends, the next starts no sooner than {@link #REFRESH_REST} later,
   * for every caller that came in between, so a master down (no replica promoted yet) costs one
   * round of {@code CLUSTER NODES} per rest however many requests fail, and the first request after
   * a promotion waits at most a rest and a refresh.
   *
   * @return completes once the map was read again (or the refresh failed); {@code null} for one
   *     server
   */
  CompletionStage<Void> refreshMap() {
    if (!settings.cluster()) return null;
    CompletableFuture<Void> start;
    synchronized (refreshLock) {
      if (refresh != null && !resting) return refresh;
      if (resting) {
        if (queuedRefresh == null) queuedRefresh = new CompletableFuture<>();
        return queuedRefresh;
      }
      refresh = start = new CompletableFuture<>();
    }
    refreshAll(start);
    return start;
  }

  private void refreshAll(CompletableFuture<Void> done) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    try {
      all.add(((RedisClusterClient) client).refreshPartitionsAsync().toCompletableFuture());
      LoopConnection[] p = perLoop;
      if (p != null) {
        for (LoopConnection c : p) {
          all.add(((RedisClusterClient) c.client()).refreshPartitionsAsync().toCompletableFuture());
        }
      }
    } catch (RuntimeException e) {
      all.add(CompletableFuture.failedFuture(e));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, e) -> {
              if (e != null) log.debug("store {}: refreshing the cluster's map", where, e);
              synchronized (refreshLock) {
                resting = true;
              }
              done.complete(null);
              try {
                client
                    .getResources()
                    .eventExecutorGroup()
                    .schedule(this::restEnded, REFRESH_REST.toMillis(), TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException closing) {
                restEnded(); // closing: the callers waiting go on at once
              }
            });
  }

  private void restEnded() {
    CompletableFuture<Void> next;
    synchronized (refreshLock) {
      resting = false;
      next = queuedRefresh;
      queuedRefresh = null;
      refresh = next;
    }
    if (next != null) refreshAll(next);
  }

  /**
   * Where to schedule a later try: the server's event loop this runs on (the request's own thread),
   * else the first client's executors.
   */
  ScheduledExecutorService scheduler() {
    LoopConnection[] p = perLoop;
    if (p != null) {
      for (LoopConnection c : p) {
        if (c.loop().inEventLoop()) return c.loop();
      }
    }
    return client.getResources().eventExecutorGroup();
  }

  /** The first connection, asynchronous: for work off the request path. */
  RedisClusterAsyncCommands<String, String> shared() {
    return async;
  }

  /** The first connection, blocking: for tools and housekeeping, never on an event loop. */
  RedisClusterCommands<String, String> sync() {
    return sync;
  }

  boolean isOpen() {
    return connection.isOpen();
  }

  /**
   * Moves the decisions' commands onto the server's own event loops: one connection per loop, whose
   * I/O runs on that loop, so a request decided there sends its script, reads the answer and writes
   * its reply on one thread, with no hand-off between threads. Calls from any other thread (the
   * counter flush, tools) keep the first connection; so does a loop that cannot connect, or an
   * executor that is not a Netty event loop.
   */
  @Override
  public void shareEventLoops(List<? extends ScheduledExecutorService> loops) {
    List<LoopConnection> made = new ArrayList<>();
    String name = settings.uri().getClientName();
    for (ScheduledExecutorService l : loops) {
      if (!(l instanceof EventLoop loop)) continue;
      // the loop is the server's; the timer and the completion threads are the first client's
      ClientResources resources =
          DefaultClientResources.builder()
              .eventLoopGroupProvider(new OneLoop(loop))
              .eventExecutorGroup(client.getResources().eventExecutorGroup())
              .timer(client.getResources().timer())
              .nettyCustomizer(FLUSH_PER_LOOP_TURN)
              .build();
      String loopName = name + "-loop" + (made.size() + 1);
      AbstractRedisClient c = newClient(resources, settings, loopName);
      try {
        StatefulConnection<String, String> conn = connect(c, settings);
        RedisClusterAsyncCommands<String, String> a = async(conn);
        if (conn instanceof StatefulRedisConnection<String, String> one) {
          // Lettuce keeps the name and sends it again when it reconnects
          one.sync().clientSetname(loopName);
        }
        made.add(new LoopConnection(loop, resources, c, conn, a, watchTopology(c, conn)));
      } catch (RedisException e) {
        log.warn(
            "store {}: no connection on a server event loop ({}); that loop uses the shared one",
            where,
            RedisFaults.reason(e, true));
        close(new LoopConnection(loop, resources, c, null, null, null));
      }
    }
    perLoop = made.toArray(LoopConnection[]::new);
    log.debug("store {}: {} connections on the server's event loops", where, made.size());
  }

  /**
   * Closes the connections on the server's event loops (commands then go through the first one).
   * The server calls this once no decision is under way, before its loops stop.
   */
  @Override
  public void releaseEventLoops() {
    LoopConnection[] p = perLoop;
    perLoop = null;
    if (p != null) for (LoopConnection c : p) close(c);
  }

  private static void close(LoopConnection c) {
    try {
      if (c.topologyWatch() != null) c.topologyWatch().dispose();
      if (c.connection() != null) c.connection().close();
      c.client().shutdown(Duration.ZERO, Duration.ofSeconds(2));
      c.resources().shutdown(0, 2, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      log.debug("closing a connection on a server event loop", e);
    }
  }

  /** Closes every connection; the loops' ones first. */
  void close() {
    releaseEventLoops();
    if (topologyWatch != null) topologyWatch.dispose();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  /** Hands Lettuce one event loop, which Lettuce must not shut down: the server does that. */
  private static final class OneLoop implements EventLoopGroupProvider {
    private final EventLoop loop;

    OneLoop(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
      return (T) loop;
    }

    @Override
    public int threadPoolSize() {
      return 1;
    }

    @Override
    public Future<Boolean> release(
        EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
  }
}
