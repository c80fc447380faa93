package org.greygate.store.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.RowChange;
import org.greygate.store.StoreException;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;

/**
 * The decisions' calls. {@link #greylist} is one {@code EVALSHA} of {@code triplet.lua}, handed the
 * rule's parameters and the TTLs {@link Expiry} computes. Any other step reads its rows, decides in
 * Java and writes with {@code cas.lua}, again when a row changed meanwhile. Written rows carry the
 * TTL of {@link Expiry#ttl}.
 */
final class RedisSteps {
  private static final int CAS_TRIES = 1000;

  private final RedisScripts scripts;
  private final RedisConnections connections;
  private final RedisCodec codec;
  private final Expiry expiry;
  private final String where;

  /** Waits for replicas after a first sighting; null: off. */
  private final RedisDurability durability;

  /** The script's arguments for the rule last used, {@code now} left to fill in. */
  private volatile RuleArgs lastRule;

  private record RuleArgs(TripletRule rule, String[] args) {}

  RedisSteps(
      RedisScripts scripts,
      RedisConnections connections,
      RedisCodec codec,
      Expiry expiry,
      String where) {
    this(scripts, connections, codec, expiry, where, null);
  }

  /**
   * @param durability waits for replicas after a triplet's first sighting; null: answers at once
   */
  RedisSteps(
      RedisScripts scripts,
      RedisConnections connections,
      RedisCodec codec,
      Expiry expiry,
      String where,
      RedisDurability durability) {
    this.scripts = scripts;
    this.connections = connections;
    this.codec = codec;
    this.expiry = expiry;
    this.where = where;
    this.durability = durability;
  }

  /**
   * One decision. In a cluster, the triplet row and the client row are keyed by their units' tags;
   * rows of one slot get the one script, rows of two slots {@link #split} steps.
   *
   * @param tripletUnit the triplet's unit, or null for none
   * @param clientUnit the client row's unit, or null for none
   */
  CompletionStage<TripletRule.Result> greylist(
      String tripletUnit,
      String tripletKey,
      String clientUnit,
      String clientKey,
      TripletRule rule,
      long now) {
    if (tripletKey == null) return step(null, clientUnit, clientKey, rule.at(now), 0);
    String tKey = codec.key(RedisCodec.TRIPLETS, tripletUnit, tripletKey);
    if (clientKey == null || !rule.awl()) {
      return triplet(new String[] {tKey}, args(rule, now));
    }
    String cKey = codec.key(RedisCodec.CLIENTS, clientUnit, clientKey);
    if (codec.sameSlot(tripletUnit, clientUnit))
      return triplet(new String[] {tKey, cKey}, args(rule, now));
    return split(tKey, cKey, rule, now);
  }

  private CompletionStage<TripletRule.Result> triplet(String[] keys, String[] args) {
    CompletionStage<TripletRule.Result> decided =
        scripts
            .<List<Object>>eval(scripts.triplet, ScriptOutputType.MULTI, keys, args)
            .thenApply(
                out ->
                    new TripletRule.Result(
                        TripletRule.Kind.valueOf(String.valueOf(out.get(0))),
                        RedisCodec.number(out.get(1)),
                        RedisCodec.number(out.get(2)),
                        RedisCodec.number(out.get(3)) == 1,
                        RedisCodec.number(out.get(4)) == 1));
    return durability == null ? decided : decided.thenCompose(r -> durable(keys[0], args, r));
  }

  /**
   * A first sighting (the row a retry must find: {@code "now now 1"}, first and last seen and one
   * attempt, the pending TTL) is answered once the replicas hold it; any other decision at once.
   */
  private CompletionStage<TripletRule.Result> durable(
      String tKey, String[] args, TripletRule.Result r) {
    if (r.kind() != TripletRule.Kind.NEW) return CompletableFuture.completedFuture(r);
    long now = Long.parseLong(args[0]);
    return durability
        .confirm(tKey, RedisCodec.text(new TripletEntry(now, now, 1)), args[6])
        .thenApply(x -> r);
  }

  /**
   * A decision whose triplet and client rows lie in two cluster slots (a triplet grouped by its
   * sender's domain): {@code awl.lua check} on the client row (a whitelisted client passes), then
   * {@code triplet.lua} on the triplet alone, then, on the triplet's first pass, {@code awl.lua
   * count} on the client row. Each step is atomic; between them another host may change the client
   * row, and a crash after the triplet's step leaves that pass uncounted for the client.
   */
  private CompletionStage<TripletRule.Result> split(
      String tKey, String cKey, TripletRule rule, long now) {
    String[] args = args(rule, now);
    String n = args[0];
    String clients = args[3];
    String interval = args[4];
    String clientTtl = args[7];
    String[] tripletOnly = args.clone();
    tripletOnly[3] = "0"; // the triplet's rules without the client's row
    String[] cKeys = {cKey};
    return scripts
        .<Long>eval(
            scripts.awl, ScriptOutputType.INTEGER, cKeys, "check", n, clients, interval, clientTtl)
        .thenCompose(
            whitelisted -> {
              if (whitelisted == 1) {
                return CompletableFuture.completedFuture(
                    new TripletRule.Result(TripletRule.Kind.AWL_PASS, now, 0, false, false));
              }
              return triplet(new String[] {tKey}, tripletOnly)
                  .thenCompose(
                      r -> {
                        if (!r.firstPass()) return CompletableFuture.completedFuture(r);
                        return scripts
                            .<Long>eval(
                                scripts.awl,
                                ScriptOutputType.INTEGER,
                                cKeys,
                                "count",
                                n,
                                clients,
                                interval,
                                clientTtl)
                            .thenApply(
                                newly ->
                                    new TripletRule.Result(
                                        r.kind(), r.first(), r.missing(), true, newly == 1));
                      });
            });
  }

  /**
   * {@code triplet.lua}'s ARGV: now, delay, retry window, AWL clients, AWL count interval, and the
   * TTLs of a passed triplet, a pending triplet and a client row. A daemon decides nearly always by
   * one rule: its parameters are turned into text once, not per request.
   */
  private String[] args(TripletRule rule, long now) {
    RuleArgs last = lastRule;
    if (last == null || !last.rule().equals(rule)) {
      Expiry e = rule.expiry();
      last =
          new RuleArgs(
              rule,
              new String[] {
                null,
                Long.toString(rule.delay()),
                Long.toString(rule.retryWindow()),
                Integer.toString(rule.awlClients()),
                Long.toString(TripletRule.AWL_COUNT_INTERVAL),
                Long.toString(e.ttl(true)),
                Long.toString(e.ttl(false)),
                Long.toString(e.clientTtl())
              });
      lastRule = last;
    }
    String[] args = last.args().clone();
    args[0] = Long.toString(now);
    return args;
  }

  /**
   * Read, decide in Java, compare-and-set; again (up to {@link #CAS_TRIES}) on a conflict. Both
   * rows are keyed by {@code unit}, so in a cluster they share a slot and one script sets both.
   */
  <R> CompletionStage<R> step(
      String tripletKey, String unit, String clientKey, RowChange<R> change, int tries) {
    List<String> keys = new ArrayList<>(2);
    if (tripletKey != null) keys.add(codec.key(RedisCodec.TRIPLETS, unit, tripletKey));
    if (clientKey != null) keys.add(codec.key(RedisCodec.CLIENTS, unit, clientKey));
    String[] keyArray = keys.toArray(String[]::new);
    return scripts
        .<List<KeyValue<String, String>>>call(() -> connections.async().mget(keyArray))
        .thenCompose(
            values -> {
              String tv = tripletKey == null ? null : RedisCodec.value(values.get(0));
              String cv =
                  clientKey == null
                      ? null
                      : RedisCodec.value(values.get(tripletKey == null ? 0 : 1));
              TripletEntry t = tripletKey == null ? null : RedisCodec.triplet(tv);
              ClientEntry c = clientKey == null ? null : RedisCodec.client(cv);
              RowChange.Change<R> out = change.apply(t, c);
              boolean writeT = tripletKey != null && out.triplet() != null;
              boolean writeC = clientKey != null && out.client() != null;
              if (!writeT && !writeC) return CompletableFuture.completedFuture(out.result());
              List<String> args = new ArrayList<>(8);
              if (tripletKey != null) {
                casArgs(
                    args,
                    tv,
                    writeT ? RedisCodec.text(out.triplet()) : null,
                    writeT ? expiry.ttl(out.triplet()) : 0);
              }
              if (clientKey != null) {
                casArgs(
                    args, cv, writeC ? RedisCodec.text(out.client()) : null, expiry.clientTtl());
              }
              return cas(keyArray, args)
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
                        return step(tripletKey, unit, clientKey, change, tries + 1);
                      });
            });
  }

  private CompletionStage<Long> cas(String[] keys, List<String> args) {
    return scripts.eval(scripts.cas, ScriptOutputType.INTEGER, keys, args.toArray(String[]::new));
  }

  private static void casArgs(List<String> args, String expected, String value, long ttl) {
    args.add(expected == null ? "" : expected);
    args.add(expected == null ? "0" : "1");
    args.add(value == null ? "" : value);
    args.add(Long.toString(Math.max(1, ttl)));
  }
}
