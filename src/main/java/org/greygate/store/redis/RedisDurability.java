package org.greygate.store.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code WAIT}-based durability of a triplet's first sighting: once the decision's script wrote the
 * new row, the answer waits until {@code N} replicas of the master that took it hold it, or until
 * the wait's timeout passed; then it is given anyway (the row is on the master; a failover before
 * the replicas catch up may still lose it, and that is logged and counted).
 *
 * <p>{@code WAIT} blocks the connection it is sent on and counts only that connection's own writes,
 * and the decisions share one connection per event loop. So the wait runs on a small pool of
 * connections of its own ({@link #CONNECTIONS}), each lent to one wait at a time: it runs {@code
 * confirm.lua} on the row (rewrites it as it is, or writes it again if a failover lost it), whose
 * write comes after the decision's in the replication stream, then {@code WAIT}. In a cluster both
 * go to the master serving the row's slot, on that pooled connection's own link to it. Waits beyond
 * the pool queue, up to {@link #QUEUE}; past that a first sighting is answered without waiting
 * (counted). Every wait ends: Redis ends {@code WAIT} at its timeout, Lettuce ends any command at
 * the store's timeout, and the connection goes back to the pool either way. A decision whose wait
 * outlasts {@code --reply-timeout} gets the fail-open answer from the server's deadline as any slow
 * decision; its wait still ends and frees its connection.
 *
 * <p>Thread-safety: any thread; the pool is guarded by this object's monitor, taken only on a first
 * sighting.
 */
final class RedisDurability implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisDurability.class);

  /** Connections lent to waits (each holds one wait at a time). */
  static final int CONNECTIONS = 8;

  /** First sightings waiting for a connection, at most. */
  static final int QUEUE = 256;

  private final RedisStore.Durability options;
  private final RedisScripts.Script confirm;
  private final String where;
  private final List<StatefulConnection<String, String>> all;
  private final ArrayDeque<StatefulConnection<String, String>> free;
  private final ArrayDeque<Pending> queued = new ArrayDeque<>();
  private boolean closed;

  private final AtomicLong confirmed = new AtomicLong();
  private final AtomicLong shortOfReplicas = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong unwaited = new AtomicLong();

  private record Pending(String key, String row, String ttl, CompletableFuture<Void> done) {}

  /**
   * Opens the pool's connections and loads {@code confirm.lua}; blocks (at the store's open).
   *
   * @throws RedisException when Redis cannot be reached
   */
  RedisDurability(RedisConnections connections, RedisStore.Durability options, String where) {
    this.options = options;
    this.where = where;
    this.confirm = RedisScripts.load(connections.masters(), "confirm", where);
    List<StatefulConnection<String, String>> made = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) made.add(connections.another());
    } catch (RuntimeException e) {
      for (StatefulConnection<String, String> c : made) c.close();
      throw e;
    }
    this.all = List.copyOf(made);
    this.free = new ArrayDeque<>(made);
  }

  /**
   * Completes once {@code replicas} replicas hold the row at {@code key}, or the wait ended
   * otherwise (timeout, failure, pool and queue full: logged and counted). Never completes
   * exceptionally: the decision stands, the row being on the master.
   *
   * @param row the row's value as the decision wrote it
   * @param ttl its TTL in seconds, as text
   */
  CompletionStage<Void> confirm(String key, String row, String ttl) {
    Pending p = new Pending(key, row, ttl, new CompletableFuture<>());
    StatefulConnection<String, String> c;
    synchronized (this) {
      if (closed) return CompletableFuture.completedFuture(null);
      c = free.poll();
      if (c == null) {
        if (queued.size() < QUEUE) {
          queued.add(p);
          return p.done();
        }
      }
    }
    if (c == null) {
      note(unwaited, "all " + CONNECTIONS + " connections for WAIT busy and " + QUEUE + " queued");
      return CompletableFuture.completedFuture(null);
    }
    run(c, p);
    return p.done();
  }

  private void run(StatefulConnection<String, String> c, Pending p) {
    CompletionStage<Long> acks;
    try {
      acks =
          commands(c, p.key())
              .thenCompose(
                  cmd -> reaffirm(cmd, p).thenCompose(x -> waitFor(cmd, options.replicas())));
    } catch (RuntimeException e) {
      acks = CompletableFuture.failedFuture(e);
    }
    acks.whenComplete(
        (n, err) -> {
          if (err != null) {
            note(failed, RedisFaults.reason(unwrap(err), false));
          } else if (n < options.replicas()) {
            note(
                shortOfReplicas,
                n
                    + " of "
                    + options.replicas()
                    + " replicas had the row after "
                    + options.timeout().toMillis()
                    + " ms");
          } else {
            confirmed.incrementAndGet();
          }
          p.done().complete(null);
          release(c);
        });
  }

  /** The commands of the link to the master serving {@code key} now. */
  private static CompletionStage<RedisAsyncCommands<String, String>> commands(
      StatefulConnection<String, String> c, String key) {
    if (c instanceof StatefulRedisClusterConnection<String, String> cc) {
      RedisClusterNode n = cc.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
      if (n == null) {
        return CompletableFuture.failedFuture(
            new RedisException("no master serves the slot of the row"));
      }
      return cc.getConnectionAsync(n.getUri().getHost(), n.getUri().getPort())
          .thenApply(StatefulRedisConnection::async);
    }
    return CompletableFuture.completedFuture(((StatefulRedisConnection<String, String>) c).async());
  }

  private CompletionStage<Long> reaffirm(RedisAsyncCommands<String, String> cmd, Pending p) {
    String[] keys = {p.key()};
    return cmd.<Long>evalsha(confirm.sha(), ScriptOutputType.INTEGER, keys, p.row(), p.ttl())
        .exceptionallyCompose(
            e ->
                RedisFaults.noScript(e)
                    ? cmd.<Long>eval(
                        confirm.text(), ScriptOutputType.INTEGER, keys, p.row(), p.ttl())
                    : CompletableFuture.failedFuture(e));
  }

  private CompletionStage<Long> waitFor(RedisAsyncCommands<String, String> cmd, int replicas) {
    return cmd.waitForReplication(replicas, options.timeout().toMillis());
  }

  private void release(StatefulConnection<String, String> c) {
    Pending next;
    synchronized (this) {
      next = closed ? null : queued.poll();
      if (next == null) {
        free.push(c);
        return;
      }
    }
    run(c, next);
  }

  private static Throwable unwrap(Throwable e) {
    Throwable c = e;
    while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /**
   * Counts a wait that did not end with the replicas holding the row, and logs it: the first time,
   * then at the 2nd, 4th, 8th... (a replica down would otherwise log every first sighting).
   */
  private void note(AtomicLong counter, String why) {
    long n = counter.incrementAndGet();
    if (Long.bitCount(n) == 1) {
      log.warn(
          "store {}: a first sighting was answered before {} replica(s) held its row: {} ({}"
              + " time(s) so far; the row is on the master, a failover now could lose it)",
          where,
          options.replicas(),
          why,
          n);
    }
  }

  /**
   * The waits so far: confirmed (the replicas held the row), short (the timeout passed first),
   * failed (an error), unwaited (pool and queue full).
   */
  long[] counts() {
    return new long[] {confirmed.get(), shortOfReplicas.get(), failed.get(), unwaited.get()};
  }

  /** Closes the pool's connections; waits queued then are let go at once. */
  @Override
  public void close() {
    List<Pending> left;
    synchronized (this) {
      closed = true;
      left = new ArrayList<>(queued);
      queued.clear();
    }
    for (Pending p : left) p.done().complete(null);
    for (StatefulConnection<String, String> c : all) {
      try {
        c.close();
      } catch (RuntimeException e) {
        log.debug("closing a connection for WAIT", e);
      }
    }
  }
}
