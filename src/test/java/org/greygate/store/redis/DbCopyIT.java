package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisURI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.Expiry;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.RedisServer;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate db copy} from a real LMDB database to a real Redis and back, compared row by row.
 */
class DbCopyIT {
  @TempDir Path dir;

  record Content(
      Map<String, TripletEntry> triplets,
      Map<String, ClientEntry> clients,
      List<DecisionCount> counts) {}

  static Content content(TripletStore s) {
    Map<String, TripletEntry> t = new TreeMap<>();
    Map<String, ClientEntry> c = new TreeMap<>();
    List<DecisionCount> d = new ArrayList<>();
    s.forEachTriplet(t::put);
    s.forEachClient(c::put);
    s.forEachDecisionCount(0, Long.MAX_VALUE, d::add);
    return new Content(t, c, d);
  }

  @Test
  void lmdbToRedisAndBackKeepsEveryRow() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    Path source = dir.resolve("lmdb");
    Content original;
    try (LmdbStore s = LmdbStore.open(source)) {
      for (int i = 0; i < 20_000; i++) {
        Rows.put(
            s,
            "10.0." + (i % 250) + ".0/s" + i + "@example.org/r@example.net",
            new TripletEntry(now - 3600 - i, now - i, i % 5)); // 0: not known, copied as such
      }
      for (int i = 0; i < 300; i++)
        Rows.put(s, "10.1." + i + ".0", new ClientEntry(1 + i % 7, now - i));
      s.countDecisions(now - now % 3600, "defer", "new", 12);
      s.countDecisions(now - now % 3600 - 3600, "prepend", "triplet found", 5);
      s.flush();
      original = content(s);
    }
    try (RedisServer redis = RedisServer.launch()) {
      Cli there = new Cli();
      int code = there.run("db", "copy", "--from=" + source, "--to=" + redis.uri());
      assertEquals(0, code, there.err.toString());
      assertTrue(
          there
              .out
              .toString()
              .startsWith(
                  "copied 20,000 triplets, 300 clients and 2 decision counters from " + source),
          there.out.toString());
      assertTrue(
          there
              .err
              .toString()
              .contains("triplets  [##############################] 100% 20,000/20,000"),
          there.err.toString());
      try (RedisStore r =
          RedisStore.open(
              new RedisStore.Settings(
                  RedisURI.create(redis.uri()), "greygate:", Duration.ofSeconds(5), 1000),
              new Expiry(300, 35 * 86400, 2 * 86400))) {
        assertEquals(original, content(r));
      }

      Cli again = new Cli();
      assertEquals(2, again.run("db", "copy", "--from=" + source, "--to=" + redis.uri()));
      assertTrue(
          again.err.toString().contains("already holds 20000 triplets"), again.err.toString());

      Path back = dir.resolve("back");
      Cli home = new Cli();
      assertEquals(
          0, home.run("db", "copy", "--from=" + redis.uri(), "--to=" + back), home.err.toString());
      try (LmdbStore s = LmdbStore.open(back)) {
        assertEquals(original, content(s));
      }
    }
  }

  /**
   * The rows' lifetimes in Redis follow the daemon's --delay and --max-age as it recorded them in
   * its dbdir when it started, not defaults of the copy's own; given to the copy, they win.
   */
  @Test
  void rowLifetimesFollowTheDaemonsRecordedSettings() throws Exception {
    Path source = dir.resolve("lmdb");
    java.nio.file.Files.createDirectories(source);
    try (org.greygate.testing.Daemon d =
        org.greygate.testing.Daemon.serve(
            "--dbdir=" + source, "--inet=127.0.0.1:0", "--delay=2", "--max-age=3")) {
      d.port();
    }
    long now = System.currentTimeMillis() / 1000;
    String key = "10.0.0.0/s@example.org/r@example.net";
    try (LmdbStore s = LmdbStore.open(source)) {
      // retried after 10 s: passed with a delay of 2 s, still waiting with the default 300 s
      Rows.put(s, key, new TripletEntry(now - 100, now - 90));
      s.flush();
    }
    try (RedisServer redis = RedisServer.launch()) {
      Cli copy = new Cli();
      assertEquals(
          0,
          copy.run("db", "copy", "--from=" + source, "--to=" + redis.uri()),
          copy.err.toString());
      // passed: kept for --max-age, 3 days (the defaults would give 2 days, the retry window)
      long ttl = Long.parseLong(redis.command("TTL", "greygate:t:" + key).substring(1));
      assertTrue(ttl > 3 * 86_400 - 60 && ttl <= 3 * 86_400 + 1, "TTL " + ttl);

      Path other = dir.resolve("other");
      Cli back = new Cli();
      assertEquals(0, back.run("db", "copy", "--from=" + redis.uri(), "--to=" + other));
      redis.command("FLUSHALL");
      Cli given = new Cli();
      assertEquals(
          0,
          given.run("db", "copy", "--from=" + source, "--to=" + redis.uri(), "--max-age=4"),
          given.err.toString());
      ttl = Long.parseLong(redis.command("TTL", "greygate:t:" + key).substring(1));
      assertTrue(ttl > 4 * 86_400 - 60 && ttl <= 4 * 86_400 + 1, "TTL " + ttl);
    }
  }
}
