package org.greygate.store.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.greygate.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's Lua scripts and its bounded calls. A script is loaded once and run by its SHA1; when
 * Redis has lost it (restart, failover, {@code SCRIPT FLUSH}, a cluster's new master) it is sent
 * whole, to whichever node serves its first key. Commands in flight are bounded: past the bound a
 * call fails at once with {@link StoreException.Unavailable} instead of queueing. Every failure is
 * translated once, by {@link RedisFaults}, and the latest one is kept for {@link #problem()} until
 * a call succeeds.
 */
final class RedisScripts {
  private static final Logger log = LoggerFactory.getLogger(RedisScripts.class);

  /** A Lua script: its text, and its SHA1 once Redis has it. */
  record Script(String name, String text, String sha) {}

  final Script triplet;
  final Script window;
  final Script cas;
  final Script deleteIf;
  final Script awl;
  private final RedisConnections connections;
  private final Semaphore inFlight;
  private final String where;
  private volatile String problem;

  /**
   * Loads the scripts into Redis.
   *
   * @throws io.lettuce.core.RedisException when Redis refuses them
   */
  RedisScripts(RedisConnections connections, int maxInFlight, String where) {
    this.connections = connections;
    this.inFlight = new Semaphore(maxInFlight);
    this.where = where;
    List<RedisClusterCommands<String, String>> nodes = connections.masters();
    this.triplet = load(nodes, "triplet", where);
    this.window = load(nodes, "window", where);
    this.cas = load(nodes, "cas", where);
    this.deleteIf = load(nodes, "deleteif", where);
    this.awl = load(nodes, "awl", where);
  }

  /**
   * Loads a script into every master. One server must take it (a refusal, such as an ACL without
   * {@code SCRIPT}, fails the open); a cluster's master that does not answer now gets it sent whole
   * on its first call.
   */
  static Script load(List<RedisClusterCommands<String, String>> nodes, String name, String where) {
    String text;
    try (InputStream in = RedisScripts.class.getResourceAsStream(name + ".lua")) {
      if (in == null) throw new IllegalStateException("script " + name + ".lua missing");
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("reading script " + name, e);
    }
    String sha = sha1(text);
    for (RedisClusterCommands<String, String> node : nodes) {
      if (nodes.size() == 1) {
        sha = node.scriptLoad(text);
        continue;
      }
      try {
        node.scriptLoad(text);
      } catch (RedisException e) {
        log.info(
            "store {}: a master did not take script {} now ({}); it is sent whole when needed",
            where,
            name,
            RedisFaults.reason(e, true));
      }
    }
    return new Script(name, text, sha);
  }

  private static String sha1(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 missing from the JDK", e);
    }
  }

  /**
   * Runs a script by its SHA1 on this thread's connection; if Redis has lost it, sends it whole.
   */
  <T> CompletionStage<T> eval(Script s, ScriptOutputType type, String[] keys, String... args) {
    return this.<T>call(() -> connections.async().evalsha(s.sha(), type, keys, args))
        .exceptionallyCompose(
            e -> {
              if (RedisFaults.noScript(e)) {
                return this.<T>call(() -> connections.async().eval(s.text(), type, keys, args));
              }
              return CompletableFuture.failedFuture(e);
            });
  }

  /** Runs a script and waits for it (housekeeping and tools, never on an event loop). */
  <T> T evalNow(Script s, ScriptOutputType type, String[] keys, String... args) {
    try {
      return this.<T>eval(s, type, keys, args).toCompletableFuture().join();
    } catch (RuntimeException e) {
      throw RedisFaults.translate(e, where);
    }
  }

  /**
   * A bounded call: past {@code maxInFlight} commands waiting on Redis it fails at once. A command
   * refused with {@code TRYAGAIN} (a reshard moving its slot) is sent once more after {@link
   * #TRY_AGAIN_AFTER}, scheduled on the thread's event loop (no thread waits meanwhile); the reply
   * deadline still bounds the whole. In a cluster, a command that found no connection to its slot's
   * master (dead, or replaced by a failover Lettuce has not seen yet) waits for the cluster's map
   * to be read again ({@link RedisConnections#refreshMap}) and is sent once more: after a promotion
   * the first requests reach the new master instead of failing open.
   */
  <T> CompletionStage<T> call(Supplier<CompletionStage<T>> command) {
    return this.<T>callOnce(command)
        .exceptionallyCompose(
            e -> {
              if (RedisFaults.tryAgain(e)) return later(command);
              if (RedisFaults.noConnection(e)) {
                CompletionStage<Void> refreshed = connections.refreshMap();
                if (refreshed != null) return refreshed.thenCompose(v -> callOnce(command));
              }
              return CompletableFuture.failedFuture(e);
            });
  }

  /**
   * The back-off before the one more try of a command refused with {@code TRYAGAIN}: the time a
   * reshard takes to move a slot's few keys, well inside the reply timeout.
   */
  static final Duration TRY_AGAIN_AFTER = Duration.ofMillis(50);

  private <T> CompletionStage<T> later(Supplier<CompletionStage<T>> command) {
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      connections
          .scheduler()
          .schedule(
              () -> {
                try {
                  this.<T>callOnce(command)
                      .whenComplete(
                          (v, e) -> {
                            if (e == null) out.complete(v);
                            else out.completeExceptionally(e);
                          });
                } catch (RuntimeException e) {
                  out.completeExceptionally(e);
                }
              },
              TRY_AGAIN_AFTER.toMillis(),
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(RedisFaults.translate(e, where)); // the store is closing
    }
    return out;
  }

  private <T> CompletionStage<T> callOnce(Supplier<CompletionStage<T>> command) {
    if (!inFlight.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new StoreException.Unavailable(
              "store " + where + ": too many commands waiting on Redis"));
    }
    CompletionStage<T> sent;
    try {
      sent = command.get();
    } catch (IllegalArgumentException e) {
      inFlight.release();
      throw e; // a caller's mistake, not the store's fault
    } catch (RuntimeException e) {
      inFlight.release();
      return CompletableFuture.failedFuture(RedisFaults.translate(e, where));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    sent.whenComplete(
        (v, err) -> {
          inFlight.release();
          if (err == null) {
            problem = null;
            out.complete(v);
          } else {
            StoreException se = RedisFaults.translate(err, where);
            problem = se.getMessage();
            out.completeExceptionally(se);
          }
        });
    return out;
  }

  /** The latest failure of a call, or {@code null} once one succeeded since. */
  String problem() {
    return problem;
  }
}
