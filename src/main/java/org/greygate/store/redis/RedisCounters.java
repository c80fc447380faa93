package org.greygate.store.redis;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.greygate.store.DecisionCount;
import org.greygate.store.Expiry;
import org.greygate.store.WindowCount;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters: rate-limit windows ({@code window.lua}, one round trip per add) and the per-hour
 * decision counters, summed in memory and written once a second by their own thread (a failed write
 * keeps its counts for the next). In a cluster a store adds to one of {@link RedisCodec#SHARDS}
 * shards, chosen when it opens, so no one key takes every host's counts; readers sum the shards.
 */
final class RedisCounters {
  private static final Logger log = LoggerFactory.getLogger(RedisCounters.class);

  private final RedisScripts scripts;
  private final RedisConnections connections;
  private final RedisCodec codec;
  private final Expiry expiry;
  private final String where;
  private final Map<String, LongAdder> decisions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher;

  /** The decision-counter shard this store adds to (a cluster's; 0 on one server). */
  private final int shard;

  private volatile boolean closed;

  RedisCounters(
      RedisScripts scripts,
      RedisConnections connections,
      RedisCodec codec,
      Expiry expiry,
      String where) {
    this.scripts = scripts;
    this.connections = connections;
    this.codec = codec;
    this.expiry = expiry;
    this.where = where;
    this.shard = java.util.concurrent.ThreadLocalRandom.current().nextInt(codec.shards());
    this.flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "redis-counters");
              t.setDaemon(true);
              return t;
            });
    flusher.scheduleWithFixedDelay(this::writeDecisionCounts, 1, 1, TimeUnit.SECONDS);
  }

  CompletionStage<WindowCount> addToWindow(
      String key, long now, long windowSeconds, long amount, long limit) {
    if (windowSeconds < 1) throw new IllegalArgumentException("window must be >= 1 second");
    return scripts
        .<List<Object>>eval(
            scripts.window,
            ScriptOutputType.MULTI,
            new String[] {codec.key(RedisCodec.WINDOWS, key)},
            Long.toString(now),
            Long.toString(windowSeconds),
            Long.toString(amount),
            Long.toString(limit))
        .thenApply(
            out ->
                new WindowCount(RedisCodec.number(out.get(0)), RedisCodec.number(out.get(1)) == 1));
  }

  void countDecisions(long epochSecond, String action, String reason, long n) {
    if (closed) return;
    long hour = epochSecond - Math.floorMod(epochSecond, 3600);
    decisions.computeIfAbsent(hour + "\n" + action + "\0" + reason, k -> new LongAdder()).add(n);
  }

  /** Adds the counts summed since the last write to the hour hashes; kept for later on failure. */
  void writeDecisionCounts() {
    if (decisions.isEmpty()) return;
    RedisClusterAsyncCommands<String, String> redis = connections.shared();
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (Map.Entry<String, LongAdder> e : decisions.entrySet()) {
      long n = e.getValue().sumThenReset();
      if (n == 0) continue;
      String k = e.getKey();
      int nl = k.indexOf('\n');
      String hour = k.substring(0, nl);
      String field = k.substring(nl + 1);
      String hash = codec.hourKey(shard, hour);
      String index = codec.hourIndex(shard);
      long keep = expiry.hourTtl();
      CompletableFuture<?> f =
          redis
              .hincrby(hash, field, n)
              .thenCompose(x -> redis.expire(hash, keep))
              .thenCompose(x -> redis.zadd(index, Double.parseDouble(hour), hour))
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

  /** Every shard's counts (a cluster's), summed per hour, outcome and reason. */
  void forEachDecisionCount(long fromHour, long toHour, Consumer<DecisionCount> action) {
    RedisClusterCommands<String, String> sync = connections.sync();
    Map<String, long[]> sums = new java.util.HashMap<>();
    try {
      for (int n = 0; n < codec.shards(); n++) {
        List<String> hours =
            sync.zrangebyscore(
                codec.hourIndex(n), Range.create((double) fromHour, (double) (toHour - 1)));
        for (String h : hours) {
          long hour = Long.parseLong(h);
          if (hour < fromHour || hour >= toHour) continue;
          for (Map.Entry<String, String> e : sync.hgetall(codec.hourKey(n, h)).entrySet()) {
            if (e.getKey().indexOf('\0') < 0) continue;
            sums.computeIfAbsent(h + "\n" + e.getKey(), k -> new long[1])[0] +=
                Long.parseLong(e.getValue());
          }
        }
      }
    } catch (RedisException e) {
      throw RedisFaults.translate(e, where);
    }
    List<DecisionCount> rows = new ArrayList<>();
    for (Map.Entry<String, long[]> e : sums.entrySet()) {
      String k = e.getKey();
      int nl = k.indexOf('\n');
      int z = k.indexOf('\0', nl);
      rows.add(
          new DecisionCount(
              Long.parseLong(k.substring(0, nl)),
              k.substring(nl + 1, z),
              k.substring(z + 1),
              e.getValue()[0]));
    }
    rows.sort(
        Comparator.comparingLong(DecisionCount::hour)
            .thenComparing(DecisionCount::outcome)
            .thenComparing(DecisionCount::reason));
    rows.forEach(action);
  }

  /** Stops the flush thread and writes what it had not written yet. */
  void close() {
    closed = true;
    flusher.shutdownNow();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
      writeDecisionCounts();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("writing the last decision counters to {}", where, e);
    }
  }
}
