package org.greygate.store.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.greygate.store.EventLoopSharing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's connections to Redis: the first one (its own Lettuce event loop; for tools, the
 * counter flush and any thread that is not a server loop) and, once the server shares its event
 * loops, one connection per loop whose I/O runs on that loop. Commands are rejected, not queued,
 * while disconnected; Lettuce reconnects by itself.
 */
final class RedisConnections implements EventLoopSharing {
  private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisAsyncCommands<String, String> async;
  private final RedisStore.Settings settings;
  private final String where;
  private volatile LoopConnection[] perLoop;

  /** A connection whose I/O runs on one of the server's event loops. */
  private record LoopConnection(
      EventLoop loop,
      ClientResources resources,
      RedisClient client,
      StatefulRedisConnection<String, String> connection,
      RedisAsyncCommands<String, String> async) {}

  private RedisConnections(
      RedisClient client,
      StatefulRedisConnection<String, String> connection,
      RedisStore.Settings settings,
      String where) {
    this.client = client;
    this.connection = connection;
    this.async = connection.async();
    this.settings = settings;
    this.where = where;
  }

  /**
   * Connects and checks the server answers: a wrong password or an unreachable server fails here.
   *
   * @throws org.greygate.store.StoreException.Unavailable naming the server and the reason
   */
  static RedisConnections open(RedisStore.Settings settings, String where) {
    RedisClient client = RedisClient.create();
    client.setOptions(clientOptions(settings));
    RedisURI uri = settings.uri();
    uri.setTimeout(settings.timeout());
    // CLIENT LIST on the Redis server then tells greygate's connections from others
    if (uri.getClientName() == null) uri.setClientName("greygate");
    try {
      StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8, uri);
      try {
        c.sync().ping();
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

  private static ClientOptions clientOptions(RedisStore.Settings settings) {
    ClientOptions.Builder options = ClientOptions.builder();
    RedisStore.Tls tls = settings.tls();
    if (tls != null && (tls.ca() != null || tls.cert() != null)) {
      SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
      if (tls.ca() != null) ssl.trustManager(tls.ca().toFile());
      if (tls.cert() != null) ssl.keyManager(tls.cert().toFile(), tls.key().toFile(), null);
      options.sslOptions(ssl.build());
    }
    return options
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(Math.max(1024, settings.maxInFlight() * 2))
        .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
        .build();
  }

  /** The connection of the event loop this runs on, or the first one. */
  RedisAsyncCommands<String, String> async() {
    LoopConnection[] p = perLoop;
    if (p != null) {
      for (LoopConnection c : p) {
        if (c.loop().inEventLoop()) return c.async();
      }
    }
    return async;
  }

  /** The first connection, asynchronous: for work off the request path. */
  RedisAsyncCommands<String, String> shared() {
    return async;
  }

  /** The first connection, blocking: for tools and housekeeping, never on an event loop. */
  RedisCommands<String, String> sync() {
    return connection.sync();
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
              .build();
      RedisClient c = RedisClient.create(resources);
      c.setOptions(clientOptions(settings));
      try {
        StatefulRedisConnection<String, String> conn = c.connect(StringCodec.UTF8, settings.uri());
        // Lettuce keeps the name and sends it again when it reconnects
        conn.sync().clientSetname(name + "-loop" + (made.size() + 1));
        made.add(new LoopConnection(loop, resources, c, conn, conn.async()));
      } catch (RedisException e) {
        log.warn(
            "store {}: no connection on a server event loop ({}); that loop uses the shared one",
            where,
            RedisFaults.reason(e, true));
        close(new LoopConnection(loop, resources, c, null, null));
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
