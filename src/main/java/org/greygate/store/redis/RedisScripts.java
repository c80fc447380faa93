package org.greygate.store.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.greygate.store.StoreException;

/**
 * The store's Lua scripts and its bounded calls. A script is loaded once and run by its SHA1; when
 * Redis has lost it (restart, failover, {@code SCRIPT FLUSH}) it is sent whole. Commands in flight
 * are bounded: past the bound a call fails at once with {@link StoreException.Unavailable} instead
 * of queueing. Every failure is translated once, by {@link RedisFaults}, and the latest one is kept
 * for {@link #problem()} until a call succeeds.
 */
final class RedisScripts {
  /** A Lua script: its text, and its SHA1 once Redis has it. */
  record Script(String name, String text, String sha) {}

  final Script triplet;
  final Script window;
  final Script cas;
  final Script deleteIf;
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
    RedisCommands<String, String> sync = connections.sync();
    this.triplet = load(sync, "triplet");
    this.window = load(sync, "window");
    this.cas = load(sync, "cas");
    this.deleteIf = load(sync, "deleteif");
  }

  private static Script load(RedisCommands<String, String> sync, String name) {
    String text;
    try (InputStream in = RedisScripts.class.getResourceAsStream(name + ".lua")) {
      if (in == null) throw new IllegalStateException("script " + name + ".lua missing");
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("reading script " + name, e);
    }
    return new Script(name, text, sync.scriptLoad(text));
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

  /** A bounded call: past {@code maxInFlight} commands waiting on Redis it fails at once. */
  <T> CompletionStage<T> call(Supplier<CompletionStage<T>> command) {
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
