package org.greygate.store.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiConsumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.greygate.store.WindowCounter;

/**
 * The tables walked whole, a {@code SCAN} page at a time: the sweep and the tools' reads (counts,
 * listings). Blocking, on the first connection: never on an event loop. A cluster's tables are
 * walked master by master.
 */
final class RedisTables {
  private static final char[] SWEPT = {RedisCodec.TRIPLETS, RedisCodec.CLIENTS, RedisCodec.WINDOWS};

  private final RedisScripts scripts;
  private final RedisConnections connections;
  private final RedisCodec codec;
  private final String where;

  RedisTables(RedisScripts scripts, RedisConnections connections, RedisCodec codec, String where) {
    this.scripts = scripts;
    this.connections = connections;
    this.codec = codec;
    this.where = where;
  }

  /**
   * Redis lets rows go by their TTLs; a sweep still deletes what the expiry calls dead now (rows
   * written with a clock that has moved since, or kept by an older TTL), a SCAN slice at a time.
   */
  SweepProgress sweep(Expiry expiry, long now, SweepProgress from, int limit) {
    try {
      if (from.table() < SWEPT.length) {
        char table = SWEPT[from.table()];
        List<RedisClusterCommands<String, String>> masters = connections.masters();
        // where the last slice stopped: "MASTER CURSOR" (the masters in the order of their ids)
        int node = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        if (from.afterKey() != null) {
          String[] at = new String(from.afterKey(), StandardCharsets.US_ASCII).split(" ", 2);
          node = at.length == 2 ? Integer.parseInt(at[0]) : 0;
          cursor = ScanCursor.of(at[at.length - 1]);
        }
        long visited = from.visited();
        long deleted = from.deleted();
        if (node < masters.size()) {
          RedisClusterCommands<String, String> sync = masters.get(node);
          KeyScanCursor<String> page =
              sync.scan(cursor, ScanArgs.Builder.matches(codec.match(table)).limit(limit));
          for (String k : page.getKeys()) {
            visited++;
            String v = sync.get(k);
            if (v == null) continue;
            if (dead(table, v, expiry, now)) {
              Long d =
                  scripts.<Long>evalNow(
                      scripts.deleteIf, ScriptOutputType.INTEGER, new String[] {k}, v);
              deleted += d == null ? 0 : d;
            }
          }
          if (!page.isFinished()) {
            return new SweepProgress(
                from.table(),
                (node + " " + page.getCursor()).getBytes(StandardCharsets.US_ASCII),
                visited,
                deleted);
          }
          if (node + 1 < masters.size()) {
            return new SweepProgress(
                from.table(),
                ((node + 1) + " 0").getBytes(StandardCharsets.US_ASCII),
                visited,
                deleted);
          }
        }
        return new SweepProgress(from.table() + 1, null, visited, deleted);
      }
      // decision counters: whole hours past keeping
      RedisClusterCommands<String, String> sync = connections.sync();
      long visited = from.visited();
      long deleted = from.deleted();
      for (int n = 0; n < codec.shards(); n++) {
        for (String h : sync.zrange(codec.hourIndex(n), 0, -1)) {
          visited++;
          long hour = Long.parseLong(h);
          if (expiry.hourExpired(hour, now)) {
            sync.del(codec.hourKey(n, h));
            sync.zrem(codec.hourIndex(n), h);
            deleted++;
          }
        }
      }
      return SweepProgress.done(visited, deleted);
    } catch (RedisException e) {
      throw RedisFaults.translate(e, where);
    }
  }

  private static boolean dead(char table, String v, Expiry expiry, long now) {
    switch (table) {
      case RedisCodec.TRIPLETS -> {
        TripletEntry e = RedisCodec.triplet(v);
        return e == null || expiry.expired(e, now);
      }
      case RedisCodec.CLIENTS -> {
        ClientEntry e = RedisCodec.client(v);
        return e == null || expiry.expired(e, now);
      }
      default -> {
        long[] row = RedisCodec.windowRow(v);
        return row == null || WindowCounter.expired(row, now);
      }
    }
  }

  long count(char table) {
    long[] n = {0};
    scan(table, (k, v) -> n[0]++);
    return n[0];
  }

  void forEachTriplet(BiConsumer<String, TripletEntry> action) {
    scan(
        RedisCodec.TRIPLETS,
        (k, v) -> {
          TripletEntry e = RedisCodec.triplet(v);
          if (e != null) action.accept(k, e);
        });
  }

  void forEachClient(BiConsumer<String, ClientEntry> action) {
    scan(
        RedisCodec.CLIENTS,
        (k, v) -> {
          ClientEntry e = RedisCodec.client(v);
          if (e != null) action.accept(k, e);
        });
  }

  void forEachWindow(String keyPrefix, long now, TripletStore.WindowVisitor action) {
    List<String[]> rows = new ArrayList<>();
    scan(
        RedisCodec.WINDOWS,
        (k, v) -> {
          if (k.startsWith(keyPrefix)) rows.add(new String[] {k, v});
        });
    rows.sort(Comparator.comparing(r -> r[0]));
    for (String[] r : rows) {
      long[] ws = WindowCounter.windowAndSum(RedisCodec.windowRow(r[1]), now);
      if (ws != null && ws[1] > 0) action.accept(r[0], ws[0], ws[1]);
    }
  }

  /**
   * Every row of a table, key as the callers know it ({@link RedisCodec#plainKey}) and value; a
   * SCAN of each master in turn (a cluster's), values fetched a page at a time.
   */
  private void scan(char table, BiConsumer<String, String> action) {
    try {
      for (RedisClusterCommands<String, String> node : connections.masters()) {
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
          KeyScanCursor<String> page =
              node.scan(cursor, ScanArgs.Builder.matches(codec.match(table)).limit(1000));
          if (!page.getKeys().isEmpty()) {
            // through the cluster connection: it splits the keys by slot
            List<KeyValue<String, String>> values =
                connections.sync().mget(page.getKeys().toArray(String[]::new));
            for (KeyValue<String, String> kv : values) {
              if (kv.hasValue()) action.accept(codec.plainKey(kv.getKey()), kv.getValue());
            }
          }
          cursor = page;
        } while (!cursor.isFinished());
      }
    } catch (RedisException e) {
      throw RedisFaults.translate(e, where);
    }
  }
}
