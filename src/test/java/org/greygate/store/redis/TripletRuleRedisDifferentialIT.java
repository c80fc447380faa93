package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.memory.MemoryStore;
import org.greygate.testing.RedisServer;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;

/**
 * The Lua triplet script against the Java rules it mirrors: random request sequences (retries, late
 * retries past the retry window, rows past max-age, the clock stepping back, AWL on and off)
 * decided by both, every result and every row compared.
 */
class TripletRuleRedisDifferentialIT {
  @Test
  void luaAndJavaDecideAlike() throws Exception {
    TripletRule[] rules = {
      new TripletRule(300, 35 * 86400, 2 * 86400, 5),
      new TripletRule(60, 3 * 3600, 3600, 2),
      new TripletRule(0, 86400, 3600, 1),
      new TripletRule(300, 86400, 7200, 0),
    };
    try (RedisServer server = RedisServer.launch()) {
      for (int r = 0; r < rules.length; r++) {
        TripletRule rule = rules[r];
        Random random = new Random(42 + r);
        MemoryStore java = new MemoryStore();
        try (RedisStore redis =
            RedisStore.open(
                new RedisStore.Settings(
                    RedisURI.create(server.uri()), "diff" + r + ":", Duration.ofSeconds(5), 1000),
                rule.expiry())) {
          long now = 1_700_000_000L;
          for (int i = 0; i < 3000; i++) {
            int step = random.nextInt(100);
            if (step < 50) now += random.nextInt(120);
            else if (step < 80) now += random.nextInt(1200);
            else if (step < 95) now += random.nextInt(3 * 86400);
            else now -= random.nextInt(600); // the clock stepped back
            String t = "t" + random.nextInt(12);
            String c = random.nextInt(10) == 0 ? null : "c" + random.nextInt(4);
            TripletRule.Result expected = Rows.join(java.greylist(t, c, rule, now));
            TripletRule.Result actual = Rows.join(redis.greylist(t, c, rule, now));
            assertEquals(expected, actual, "rule " + r + " request " + i + " " + t + " " + c);
          }
          assertEquals(triplets(java), triplets(redis), "rule " + r + ": triplet rows");
          assertEquals(clients(java), clients(redis), "rule " + r + ": client rows");
          assertTtls(server, "diff" + r + ":", rule.expiry(), redis);
        }
      }
    }
  }

  /**
   * Every row the script wrote lives as long as {@link Expiry#ttl} says (less the seconds the test
   * has run since): the TTLs Java hands the script are the ones it sets.
   */
  static void assertTtls(RedisServer server, String prefix, Expiry expiry, RedisStore redis) {
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> sync = c.sync();
      int[] checked = {0};
      redis.forEachTriplet(
          (k, e) -> {
            long ttl = sync.ttl(prefix + "t:" + k);
            assertTrue(
                ttl <= expiry.ttl(e) && ttl > expiry.ttl(e) - 60,
                k + " " + e + ": TTL " + ttl + ", expiry says " + expiry.ttl(e));
            checked[0]++;
          });
      redis.forEachClient(
          (k, e) -> {
            long ttl = sync.ttl(prefix + "c:" + k);
            assertTrue(
                ttl <= expiry.ttl(e) && ttl > expiry.ttl(e) - 60,
                k + " " + e + ": TTL " + ttl + ", expiry says " + expiry.ttl(e));
          });
      assertTrue(checked[0] > 0, "no rows");
    } finally {
      client.shutdown();
    }
  }

  /**
   * Rows exactly at the edges of the expiry (a second before and after max-age and the retry
   * window, a second short of the delay and just at it), decided by both.
   */
  @Test
  void luaAndJavaExpireRowsAlikeAtTheEdges() throws Exception {
    TripletRule rule = new TripletRule(300, 86400, 3600, 2);
    long now = 1_700_000_000L;
    try (RedisServer server = RedisServer.launch();
        RedisStore redis =
            RedisStore.open(
                new RedisStore.Settings(
                    RedisURI.create(server.uri()), "edge:", Duration.ofSeconds(5), 1000),
                rule.expiry())) {
      MemoryStore java = new MemoryStore();
      int n = 0;
      long[] ages = {
        rule.maxAge() - 1,
        rule.maxAge(),
        rule.maxAge() + 1,
        rule.retryWindow() - 1,
        rule.retryWindow(),
        rule.retryWindow() + 1,
        0,
        -1
      };
      for (long age : ages) {
        for (long gap : new long[] {rule.delay() - 1, rule.delay(), 0}) {
          for (long count : new long[] {0, 1, 2}) {
            String t = "t" + n;
            String c = "c" + n++;
            long last = now - age;
            for (org.greygate.store.TripletStore s :
                new org.greygate.store.TripletStore[] {java, redis}) {
              Rows.put(s, t, new TripletEntry(last - gap, last));
              if (count > 0) Rows.put(s, c, new ClientEntry(count, last));
            }
            assertEquals(
                Rows.join(java.greylist(t, c, rule, now)),
                Rows.join(redis.greylist(t, c, rule, now)),
                "age " + age + " gap " + gap + " count " + count);
          }
        }
      }
      assertEquals(triplets(java), triplets(redis));
      assertEquals(clients(java), clients(redis));
    }
  }

  @Test
  void luaAndJavaCountWindowsAlike() throws Exception {
    try (RedisServer server = RedisServer.launch()) {
      Random random = new Random(7);
      MemoryStore java = new MemoryStore();
      try (RedisStore redis =
          RedisStore.open(
              new RedisStore.Settings(
                  RedisURI.create(server.uri()), "win:", Duration.ofSeconds(5), 1000),
              new TripletRule(300, 86400, 3600, 0).expiry())) {
        long now = 1_700_000_000L;
        long[] windows = {59, 60, 600, 3600, 86400};
        for (int i = 0; i < 5000; i++) {
          int step = random.nextInt(100);
          if (step < 70) now += random.nextInt(20);
          else if (step < 95) now += random.nextInt(4000);
          else now -= random.nextInt(100);
          int k = random.nextInt(windows.length);
          String key = "k" + k;
          long window = windows[k];
          long amount =
              random.nextInt(10) == 0
                  ? -random.nextInt(5)
                  : random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(3);
          long limit = random.nextInt(5) == 0 ? Long.MAX_VALUE : 5 + random.nextInt(40);
          assertEquals(
              Rows.join(java.addToWindow(key, now, window, amount, limit)),
              Rows.join(redis.addToWindow(key, now, window, amount, limit)),
              "add " + i + " " + key + " " + amount + " limit " + limit);
        }
      }
    }
  }

  static Map<String, TripletEntry> triplets(org.greygate.store.TripletStore s) {
    Map<String, TripletEntry> m = new TreeMap<>();
    s.forEachTriplet(m::put);
    return m;
  }

  static Map<String, ClientEntry> clients(org.greygate.store.TripletStore s) {
    Map<String, ClientEntry> m = new TreeMap<>();
    s.forEachClient(m::put);
    return m;
  }
}
