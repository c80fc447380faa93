package org.greygate.store.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
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
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.Expiry;
import org.greygate.store.ExpiryRule;
import org.greygate.store.RowChange;
import org.greygate.store.StoreException;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.TripletStore;
import org.greygate.store.WindowCount;
import org.greygate.store.WindowCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TripletStore} on Redis, shared by every greygate that names it.
 *
 * <p>Keys, under a prefix ({@code greygate:} by default): {@code t:KEY} triplets ({@code "first
 * last"}), {@code c:KEY} clients ({@code "count last"}), {@code w:KEY} window counters ({@code
 * "window width start count ..."}), {@code d:HOUR} a hash of decision counters per hour with the
 * index {@code dh} (a sorted set of hours). Every row carries a TTL from the expiry rules, so Redis
 * lets dead rows go by itself.
 *
 * <p>A step of {@link TripletRule} is one {@code EVALSHA} (the script loaded once, sent whole when
 * Redis has lost it). Any other step reads its rows, decides in Java and writes with a
 * compare-and-set script, again when a row changed meanwhile. Window counters are a script too.
 * Decision counters are summed in memory and written once a second. Commands in flight are bounded:
 * past the bound, or while Redis is unreachable, a call fails at once with {@link
 * StoreException.Unavailable} (the chain then answers the fail-open action).
 */
public final class RedisStore implements TripletStore {
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
  private static final int CAS_TRIES = 1000;

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisAsyncCommands<String, String> redis;
  private final String prefix;
  private final Expiry expiry;
  private final String where;
  private final Script triplet;
  private final Script window;
  private final Script cas;
  private final Script deleteIf;
  private final Semaphore inFlight;
  private final Settings settings;
  private volatile LoopConnection[] perLoop;

  /** A connection whose I/O runs on one of the server's event loops. */
  private record LoopConnection(
      EventLoop loop,
      ClientResources resources,
      RedisClient client,
      StatefulRedisConnection<String, String> connection,
      RedisAsyncCommands<String, String> async) {}

  private final Map<String, LongAdder> decisions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher;
  private volatile boolean closed;
  private volatile String problem;

  /** A Lua script: its text, and its SHA1 once Redis has it. */
  private record Script(String name, String text, String sha) {}

  /**
   * Where and how to connect.
   *
   * @param tls for {@code rediss://}: the CA to trust (null: the system's), and a client
   *     certificate and its key (PEM, the key unencrypted PKCS#8) when the server asks for one
   */
  public record Settings(RedisURI uri, String prefix, Duration timeout, int maxInFlight, Tls tls) {
    public Settings {
      if (prefix == null) prefix = "greygate:";
      if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be >= 1");
    }

    public Settings(RedisURI uri, String prefix, Duration timeout, int maxInFlight) {
      this(uri, prefix, timeout, maxInFlight, null);
    }

    /**
     * From the URL as admins write it ({@link RedisLocation}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Settings of(
        String url, String password, String prefix, Duration timeout, int maxInFlight, Tls tls) {
      RedisURI uri = RedisLocation.parse(url, password);
      if (tls != null && !uri.isSsl()) {
        throw new IllegalArgumentException("TLS files need rediss://, not " + url);
      }
      return new Settings(uri, prefix, timeout, maxInFlight, tls);
    }
  }

  /** TLS files, PEM; any may be null. */
  public record Tls(java.nio.file.Path ca, java.nio.file.Path cert, java.nio.file.Path key) {}

  private RedisStore(
      RedisClient client,
      StatefulRedisConnection<String, String> connection,
      Settings s,
      Expiry e) {
    this.client = client;
    this.connection = connection;
    this.redis = connection.async();
    this.prefix = s.prefix();
    this.expiry = e;
    this.where = describe(s.uri());
    this.settings = s;
    this.inFlight = new Semaphore(s.maxInFlight());
    RedisCommands<String, String> sync = connection.sync();
    this.triplet = load(sync, "triplet");
    this.window = load(sync, "window");
    this.cas = load(sync, "cas");
    this.deleteIf = load(sync, "deleteif");
    this.flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "redis-counters");
              t.setDaemon(true);
              return t;
            });
    flusher.scheduleWithFixedDelay(this::writeDecisionCounts, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Connects, checks the server answers (a wrong password or an unreachable server fails here, with
   * the reason) and loads the scripts.
   *
   * @param expiry the expiry rules, for the rows' TTLs
   * @throws StoreException.Unavailable naming the server and the reason
   */
  public static RedisStore open(Settings settings, Expiry expiry) {
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
        return new RedisStore(client, c, settings, expiry);
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    } catch (RedisException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw new StoreException.Unavailable("store " + describe(uri) + ": " + reason(e), e);
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
  }

  private static ClientOptions clientOptions(Settings settings) {
    ClientOptions.Builder options = ClientOptions.builder();
    Tls tls = settings.tls();
    if (tls != null && (tls.ca() != null || tls.cert() != null)) {
      io.lettuce.core.SslOptions.Builder ssl =
          io.lettuce.core.SslOptions.builder().jdkSslProvider();
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

  /**
   * Moves the decisions' commands onto the server's own event loops: one connection per loop, whose
   * I/O runs on that loop, so a request decided there sends its script, reads the answer and writes
   * its reply on one thread, with no hand-off between threads. Calls from any other thread (the
   * counter flush, tools) keep the first connection; so does a loop that cannot connect. Call
   * {@link #releaseEventLoops} before the loops stop.
   */
  public void shareEventLoops(List<? extends ScheduledExecutorService> loops) {
    ensureOpen();
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
            reason(e));
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

  /** The connection of the event loop this runs on, or the shared one. */
  private RedisAsyncCommands<String, String> async() {
    LoopConnection[] p = perLoop;
    if (p != null) {
      for (LoopConnection c : p) {
        if (c.loop().inEventLoop()) return c.async();
      }
    }
    return redis;
  }

  /** redis://host:port/db, without the password. */
  public static String describe(Settings s) {
    return describe(s.uri()) + " (prefix " + s.prefix() + ")";
  }

  static String describe(RedisURI uri) {
    StringBuilder b = new StringBuilder(uri.isSsl() ? "rediss://" : "redis://");
    if (!uri.getSentinels().isEmpty()) {
      b.setLength(0);
      b.append("redis-sentinel://");
      for (int i = 0; i < uri.getSentinels().size(); i++) {
        RedisURI s = uri.getSentinels().get(i);
        if (i > 0) b.append(',');
        b.append(s.getHost()).append(':').append(s.getPort());
      }
      b.append('/').append(uri.getSentinelMasterId());
    } else {
      b.append(uri.getHost()).append(':').append(uri.getPort());
    }
    if (uri.getDatabase() != 0) b.append(" db ").append(uri.getDatabase());
    return b.toString();
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      if (t.getMessage() != null
          && (t.getMessage().contains("WRONGPASS") || t.getMessage().contains("NOAUTH"))) break;
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null) m = t.getClass().getSimpleName();
    if (m.contains("WRONGPASS") || m.contains("invalid username-password")) {
      return "wrong user name or password (" + m.strip() + ")";
    }
    if (m.contains("NOAUTH")) return "the server needs a password (" + m.strip() + ")";
    return m.strip();
  }

  private static Script load(RedisCommands<String, String> sync, String name) {
    String text;
    try (InputStream in = RedisStore.class.getResourceAsStream(name + ".lua")) {
      if (in == null) throw new IllegalStateException("script " + name + ".lua missing");
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("reading script " + name, e);
    }
    return new Script(name, text, sync.scriptLoad(text));
  }

  private String key(char table, String k) {
    return prefix + table + ':' + k;
  }

  // ---------------------------------------------------------------- decisions

  @Override
  public <R> CompletionStage<R> step(String tripletKey, String clientKey, RowChange<R> change) {
    try {
      ensureOpen();
      if (tripletKey == null && clientKey == null) {
        return CompletableFuture.completedFuture(change.apply(null, null).result());
      }
      if (change instanceof TripletRule.Step s && tripletKey != null) {
        @SuppressWarnings("unchecked")
        CompletionStage<R> r =
            (CompletionStage<R>) (CompletionStage<?>) rule(tripletKey, clientKey, s);
        return r;
      }
      return generic(tripletKey, clientKey, change, 0);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletionStage<TripletRule.Result> rule(
      String tripletKey, String clientKey, TripletRule.Step s) {
    TripletRule r = s.rule();
    String[] keys =
        clientKey == null || !r.awl()
            ? new String[] {key('t', tripletKey)}
            : new String[] {key('t', tripletKey), key('c', clientKey)};
    return this.<List<Object>>eval(
            triplet,
            ScriptOutputType.MULTI,
            keys,
            Long.toString(s.now()),
            Long.toString(r.delay()),
            Long.toString(r.maxAge()),
            Long.toString(r.retryWindow()),
            Integer.toString(r.awlClients()),
            Long.toString(TripletRule.AWL_COUNT_INTERVAL))
        .thenApply(
            out ->
                new TripletRule.Result(
                    TripletRule.Kind.valueOf(String.valueOf(out.get(0))),
                    number(out.get(1)),
                    number(out.get(2)),
                    number(out.get(3)) == 1,
                    number(out.get(4)) == 1));
  }

  private <R> CompletionStage<R> generic(
      String tripletKey, String clientKey, RowChange<R> change, int tries) {
    List<String> keys = new ArrayList<>(2);
    if (tripletKey != null) keys.add(key('t', tripletKey));
    if (clientKey != null) keys.add(key('c', clientKey));
    return this.<List<KeyValue<String, String>>>call(
            () -> async().mget(keys.toArray(String[]::new)))
        .thenCompose(
            values -> {
              String tv = tripletKey == null ? null : value(values.get(0));
              String cv = clientKey == null ? null : value(values.get(tripletKey == null ? 0 : 1));
              TripletEntry t = tripletKey == null ? null : triplet(tv);
              ClientEntry c = clientKey == null ? null : client(cv);
              RowChange.Change<R> out = change.apply(t, c);
              boolean writeT = tripletKey != null && out.triplet() != null;
              boolean writeC = clientKey != null && out.client() != null;
              if (!writeT && !writeC) return CompletableFuture.completedFuture(out.result());
              List<String> args = new ArrayList<>();
              if (tripletKey != null) {
                casArgs(
                    args, tv, writeT ? text(out.triplet()) : null, writeT ? ttl(out.triplet()) : 0);
              }
              if (clientKey != null) {
                casArgs(args, cv, writeC ? text(out.client()) : null, expiry.maxAge() + 1);
              }
              return this.<Long>eval(
                      cas,
                      ScriptOutputType.INTEGER,
                      keys.toArray(String[]::new),
                      args.toArray(String[]::new))
                  .thenCompose(
                      ok -> {
                        if (ok == 1) return CompletableFuture.completedFuture(out.result());
                        if (tries + 1 >= CAS_TRIES) {
                          throw new StoreException.Unavailable(
                              "store "
                                  + where
                                  + ": a row kept changing under "
                                  + CAS_TRIES
                                  + " tries");
                        }
                        return generic(tripletKey, clientKey, change, tries + 1);
                      });
            });
  }

  private static void casArgs(List<String> args, String expected, String value, long ttl) {
    args.add(expected == null ? "" : expected);
    args.add(expected == null ? "0" : "1");
    args.add(value == null ? "" : value);
    args.add(Long.toString(Math.max(1, ttl)));
  }

  private long ttl(TripletEntry e) {
    boolean passed = e.lastSeen() - e.firstSeen() >= expiry.delay();
    return (passed ? expiry.maxAge() : Math.min(expiry.maxAge(), expiry.retryWindow())) + 1;
  }

  @Override
  public CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit) {
    try {
      ensureOpen();
      if (windowSeconds < 1) throw new IllegalArgumentException("window must be >= 1 second");
      return this.<List<Object>>eval(
              window,
              ScriptOutputType.MULTI,
              new String[] {key('w', key)},
              Long.toString(now),
              Long.toString(windowSeconds),
              Long.toString(amount),
              Long.toString(limit))
          .thenApply(out -> new WindowCount(number(out.get(0)), number(out.get(1)) == 1));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void countDecisions(long epochSecond, String action, String reason, long n) {
    if (closed) return;
    long hour = epochSecond - Math.floorMod(epochSecond, 3600);
    decisions.computeIfAbsent(hour + "\n" + action + "\0" + reason, k -> new LongAdder()).add(n);
  }

  /** Adds the counts summed since the last write to the hour hashes; kept for later on failure. */
  private void writeDecisionCounts() {
    if (decisions.isEmpty()) return;
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (Map.Entry<String, LongAdder> e : decisions.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n == 0) continue;
      String k = e.getKey();
      int nl = k.indexOf('\n');
      String hour = k.substring(0, nl);
      String field = k.substring(nl + 1);
      String hash = prefix + "d:" + hour;
      long keep = expiry.maxAge() + 3600;
      CompletableFuture<?> f =
          redis
              .hincrby(hash, field, n)
              .thenCompose(x -> redis.expire(hash, keep))
              .thenCompose(x -> redis.zadd(prefix + "dh", Double.parseDouble(hour), hour))
              .toCompletableFuture();
      f.whenComplete(
          (x, err) -> {
            if (err != null) e.getValue().add(n); // the next write tries again
          });
      sent.add(f);
    }
    try {
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // counted again next time; the store's problem() says why
    }
  }

  @Override
  public void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action) {
    ensureOpen();
    RedisCommands<String, String> sync = connection.sync();
    List<DecisionCount> rows = new ArrayList<>();
    try {
      List<String> hours =
          sync.zrangebyscore(
              prefix + "dh",
              io.lettuce.core.Range.create((double) fromHour, (double) (toHour - 1)));
      for (String h : hours) {
        long hour = Long.parseLong(h);
        if (hour < fromHour || hour >= toHour) continue;
        for (Map.Entry<String, String> e : sync.hgetall(prefix + "d:" + h).entrySet()) {
          int z = e.getKey().indexOf('\0');
          if (z < 0) continue;
          rows.add(
              new DecisionCount(
                  hour,
                  e.getKey().substring(0, z),
                  e.getKey().substring(z + 1),
                  Long.parseLong(e.getValue())));
        }
      }
    } catch (RedisException e) {
      throw unavailable(e);
    }
    rows.sort(
        Comparator.comparingLong(DecisionCount::hour)
            .thenComparing(DecisionCount::outcome)
            .thenComparing(DecisionCount::reason));
    rows.forEach(action);
  }

  // ---------------------------------------------------------------- housekeeping

  private static final char[] TABLES = {'t', 'c', 'w'};

  /**
   * Redis lets rows go by their TTLs; a sweep still deletes what the rules call dead now (rows
   * written with a clock that has moved since, or kept by an older TTL), a SCAN slice at a time.
   */
  @Override
  public SweepProgress sweep(ExpiryRule rule, long now, SweepProgress from, int limit) {
    ensureOpen();
    RedisCommands<String, String> sync = connection.sync();
    try {
      if (from.table() < TABLES.length) {
        char table = TABLES[from.table()];
        ScanCursor cursor =
            from.afterKey() == null
                ? ScanCursor.INITIAL
                : ScanCursor.of(new String(from.afterKey(), StandardCharsets.US_ASCII));
        io.lettuce.core.KeyScanCursor<String> page =
            sync.scan(cursor, ScanArgs.Builder.matches(prefix + table + ":*").limit(limit));
        long visited = from.visited();
        long deleted = from.deleted();
        for (String k : page.getKeys()) {
          visited++;
          String v = sync.get(k);
          if (v == null) continue;
          if (dead(table, v, rule, now)) {
            Long d = sync.evalsha(deleteIf.sha(), ScriptOutputType.INTEGER, new String[] {k}, v);
            deleted += d == null ? 0 : d;
          }
        }
        if (page.isFinished()) {
          return new SweepProgress(from.table() + 1, null, visited, deleted);
        }
        return new SweepProgress(
            from.table(), page.getCursor().getBytes(StandardCharsets.US_ASCII), visited, deleted);
      }
      // decision counters: whole hours past keeping
      long visited = from.visited();
      long deleted = from.deleted();
      for (String h : sync.zrange(prefix + "dh", 0, -1)) {
        visited++;
        long hour = Long.parseLong(h);
        if (rule.decisionHourExpired(hour, now)) {
          sync.del(prefix + "d:" + h);
          sync.zrem(prefix + "dh", h);
          deleted++;
        }
      }
      return SweepProgress.done(visited, deleted);
    } catch (RedisException e) {
      throw unavailable(e);
    }
  }

  private static boolean dead(char table, String v, ExpiryRule rule, long now) {
    switch (table) {
      case 't' -> {
        TripletEntry e = triplet(v);
        return e == null || rule.tripletExpired(e, now);
      }
      case 'c' -> {
        ClientEntry e = client(v);
        return e == null || rule.clientExpired(e, now);
      }
      default -> {
        long[] row = windowRow(v);
        return row == null || WindowCounter.expired(row, now);
      }
    }
  }

  @Override
  public void flush() {
    ensureOpen();
    writeDecisionCounts();
  }

  @Override
  public void checkKeying(String mark) {
    ensureOpen();
    String key = prefix + "keying";
    try {
      RedisCommands<String, String> sync = connection.sync();
      sync.setnx(key, mark);
      String stored = sync.get(key);
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
      throw unavailable(e);
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
    if (!connection.isOpen()) return "store " + where + ": not connected";
    return problem;
  }

  // ---------------------------------------------------------------- inspection

  @Override
  public long tripletCount() {
    return count('t');
  }

  @Override
  public long clientCount() {
    return count('c');
  }

  private long count(char table) {
    long[] n = {0};
    scan(table, (k, v) -> n[0]++);
    return n[0];
  }

  @Override
  public void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    scan(
        't',
        (k, v) -> {
          TripletEntry e = triplet(v);
          if (e != null) action.accept(k, e);
        });
  }

  @Override
  public void forEachClient(BiConsumer<String, ClientEntry> action) {
    scan(
        'c',
        (k, v) -> {
          ClientEntry e = client(v);
          if (e != null) action.accept(k, e);
        });
  }

  @Override
  public void forEachWindow(String keyPrefix, long now, WindowVisitor action) {
    List<String[]> rows = new ArrayList<>();
    scan(
        'w',
        (k, v) -> {
          if (k.startsWith(keyPrefix)) rows.add(new String[] {k, v});
        });
    rows.sort(Comparator.comparing(r -> r[0]));
    for (String[] r : rows) {
      long[] ws = WindowCounter.windowAndSum(windowRow(r[1]), now);
      if (ws != null && ws[1] > 0) action.accept(r[0], ws[0], ws[1]);
    }
  }

  /** Every row of a table, key without prefix and value; values fetched a page at a time. */
  private void scan(char table, BiConsumer<String, String> action) {
    ensureOpen();
    RedisCommands<String, String> sync = connection.sync();
    String match = prefix + table + ":";
    try {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        io.lettuce.core.KeyScanCursor<String> page =
            sync.scan(cursor, ScanArgs.Builder.matches(match + "*").limit(1000));
        if (!page.getKeys().isEmpty()) {
          List<KeyValue<String, String>> values = sync.mget(page.getKeys().toArray(String[]::new));
          for (KeyValue<String, String> kv : values) {
            if (kv.hasValue()) action.accept(kv.getKey().substring(match.length()), kv.getValue());
          }
        }
        cursor = page;
      } while (!cursor.isFinished());
    } catch (RedisException e) {
      throw unavailable(e);
    }
  }

  // ---------------------------------------------------------------- rows as text

  static String text(TripletEntry e) {
    return e.firstSeen() + " " + e.lastSeen();
  }

  static String text(ClientEntry e) {
    return e.count() + " " + e.lastSeen();
  }

  static TripletEntry triplet(String v) {
    long[] p = pair(v);
    return p == null ? null : new TripletEntry(p[0], p[1]);
  }

  static ClientEntry client(String v) {
    long[] p = pair(v);
    return p == null ? null : new ClientEntry(p[0], p[1]);
  }

  private static long[] pair(String v) {
    if (v == null) return null;
    int sp = v.indexOf(' ');
    if (sp <= 0) return null;
    try {
      return new long[] {Long.parseLong(v.substring(0, sp)), Long.parseLong(v.substring(sp + 1))};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static long[] windowRow(String v) {
    if (v == null) return null;
    String[] parts = v.trim().split(" ");
    if (parts.length < 2 || parts.length % 2 != 0) return null;
    long[] row = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) row[i] = Long.parseLong(parts[i]);
    } catch (NumberFormatException e) {
      return null;
    }
    return row;
  }

  private static String value(KeyValue<String, String> kv) {
    return kv.hasValue() ? kv.getValue() : null;
  }

  private static long number(Object o) {
    if (o instanceof Long l) return l;
    return Long.parseLong(String.valueOf(o));
  }

  // ---------------------------------------------------------------- calls

  /** Runs a script by its SHA1; if Redis has lost it (restart, failover), sends it whole. */
  private <T> CompletionStage<T> eval(
      Script s, ScriptOutputType type, String[] keys, String... args) {
    return this.<T>call(() -> async().evalsha(s.sha(), type, keys, args))
        .exceptionallyCompose(
            e -> {
              if (noScript(e)) return this.<T>call(() -> async().eval(s.text(), type, keys, args));
              return CompletableFuture.failedFuture(e);
            });
  }

  /** Redis lost the script (restarted, failed over, SCRIPT FLUSH): send it whole. */
  private static boolean noScript(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof RedisNoScriptException) return true;
      if (t instanceof RedisCommandExecutionException
          && String.valueOf(t.getMessage()).startsWith("NOSCRIPT")) return true;
    }
    return false;
  }

  /** A bounded call: past {@code maxInFlight} commands waiting on Redis it fails at once. */
  private <T> CompletionStage<T> call(java.util.function.Supplier<CompletionStage<T>> command) {
    if (!inFlight.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new StoreException.Unavailable(
              "store " + where + ": too many commands waiting on Redis"));
    }
    CompletionStage<T> sent;
    try {
      sent = command.get();
    } catch (RuntimeException e) {
      inFlight.release();
      return CompletableFuture.failedFuture(unavailable(e));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    sent.whenComplete(
        (v, err) -> {
          inFlight.release();
          if (err == null) {
            problem = null;
            out.complete(v);
          } else {
            StoreException se = unavailable(err);
            problem = se.getMessage();
            out.completeExceptionally(se);
          }
        });
    return out;
  }

  private StoreException unavailable(Throwable e) {
    Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (c instanceof StoreException s) return s;
    if (c instanceof IllegalArgumentException) throw (IllegalArgumentException) c;
    String m = c instanceof RedisConnectionException ? "not connected" : reason(c);
    return new StoreException.Unavailable("store " + where + ": " + m, c);
  }

  private void ensureOpen() {
    if (closed) throw new StoreException.Unavailable("store " + where + " is closed");
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    flusher.shutdownNow();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
      writeDecisionCounts();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("writing the last decision counters to {}", where, e);
    }
    releaseEventLoops();
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
