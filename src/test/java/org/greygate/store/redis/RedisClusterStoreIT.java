package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.greygate.greylist.GreylistConfig;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.DecisionCount;
import org.greygate.store.Expiry;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.memory.MemoryStore;
import org.greygate.testing.RedisCluster;
import org.greygate.testing.RedisServer;
import org.greygate.testing.Rows;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only a cluster has: hash tags a sender cannot choose, a triplet and its client's row in one
 * slot, the Lua rules against the Java ones over one slot and over two, listings without tags,
 * decision counters over shards, table walks over every master.
 */
class RedisClusterStoreIT {
  static RedisCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = RedisCluster.launch();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  static RedisStore open(String prefix, Expiry expiry) {
    return RedisStore.open(
        RedisStore.Settings.of(cluster.uri(), null, prefix, Duration.ofSeconds(5), 1000, null),
        expiry);
  }

  static final Expiry EXPIRY = new Expiry(300, 35 * 86400, 2 * 86400);

  /**
   * A hostile sender and recipient full of braces: Redis would hash only what lies between the
   * first brace pair, so a key that began with the sender's text would let the sender choose the
   * slot (and split a triplet from its client's row: CROSSSLOT, every decision failing open). The
   * tag comes first and is hex, so every triplet of one client lands in its client row's slot.
   */
  @Test
  void bracesInASenderCannotChooseTheSlot() throws Exception {
    GreylistConfig config = GreylistConfig.builder().awlClients(2).build();
    try (RedisStore store = open("hostile:", EXPIRY)) {
      PolicyChain chain = TestPolicy.chain(store, config, true);
      long now = 1_700_000_000L;
      for (int i = 0; i < 40; i++) {
        Map<String, String> m = TestPolicy.rcpt("{r" + i + "}@example.net");
        m.put("sender", "{s" + i + "}x@{evil}.example");
        m.put("client_address", "198.51.100." + (i % 2 == 0 ? 7 : 9));
        m.put("instance", "a" + i);
        m.put("policy_test_time", Long.toString(now));
        Outcome first = chain.decide(PolicyRequest.of(m)).toCompletableFuture().join();
        assertTrue(first.toString().contains("reason=new"), i + ": " + first);
        m.put("instance", "b" + i);
        m.put("policy_test_time", Long.toString(now + 400));
        Outcome retry = chain.decide(PolicyRequest.of(m)).toCompletableFuture().join();
        assertFalse(retry.toString().contains("fail"), i + ": " + retry);
        assertFalse(retry.toString().contains("reason=new"), i + ": " + retry);
      }
      Set<String> slots = new HashSet<>();
      RedisServer any = cluster.nodes.get(0);
      for (RedisServer master : cluster.masters()) {
        for (String k : keys(master, "hostile:[tc]:*")) {
          slots.add(any.command("CLUSTER", "KEYSLOT", k));
          assertTrue(k.matches("hostile:[tc]:\\{[0-9a-f]{5}\\}.*"), k);
        }
      }
      assertEquals(1, slots.size(), "one client network (198.51.100.0/24), one slot: " + slots);
      Map<String, TripletEntry> triplets = new TreeMap<>();
      store.forEachTriplet(triplets::put);
      assertEquals(40, triplets.size());
      assertTrue(triplets.containsKey("198.51.100.0/{s0}x@{evil}.example/{r0}@example.net"));
      Map<String, Long> clients = new TreeMap<>();
      store.forEachClient((k, c) -> clients.put(k, c.count()));
      assertEquals(Set.of("198.51.100.7", "198.51.100.9"), clients.keySet(), "listed untagged");
    }
  }

  private static List<String> keys(RedisServer node, String pattern) throws Exception {
    String reply =
        node.text("EVAL", "return table.concat(redis.call('KEYS', ARGV[1]), '\\n')", "0", pattern);
    return reply.isEmpty() ? List.of() : List.of(reply.split("\n"));
  }

  @Test
  void aPrefixWithBracesIsRefusedForACluster() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RedisStore.Settings.of(
                    cluster.uri(), null, "gg{x}:", Duration.ofSeconds(5), 1000, null));
    assertTrue(e.getMessage().contains("must not contain '{' or '}'"), e.getMessage());
    // one server has no slots: the prefix is its own business
    RedisStore.Settings.of(
        "redis://127.0.0.1:6379", null, "gg{x}:", Duration.ofSeconds(5), 1000, null);
  }

  /**
   * The Lua rules against the Java ones over a cluster, in both layouts a daemon makes: a triplet
   * in its client's unit (one script) and a triplet grouped apart from its client (three steps).
   */
  @Test
  void luaAndJavaDecideAlikeInOneSlotAndOverTwo() {
    TripletRule[] rules = {
      new TripletRule(300, 35 * 86400, 2 * 86400, 5),
      new TripletRule(60, 3 * 3600, 3600, 2),
      new TripletRule(0, 86400, 3600, 1),
    };
    for (boolean grouped : new boolean[] {false, true}) {
      for (int r = 0; r < rules.length; r++) {
        TripletRule rule = rules[r];
        Random random = new Random(7 + r);
        MemoryStore java = new MemoryStore();
        try (RedisStore redis = open("diff" + grouped + r + ":", rule.expiry())) {
          long now = 1_700_000_000L;
          for (int i = 0; i < 1500; i++) {
            int step = random.nextInt(100);
            if (step < 50) now += random.nextInt(120);
            else if (step < 80) now += random.nextInt(1200);
            else if (step < 95) now += random.nextInt(3 * 86400);
            else now -= random.nextInt(600);
            int client = random.nextInt(4);
            String t = "t" + client + "-" + random.nextInt(6);
            String c = random.nextInt(10) == 0 ? null : "c" + client;
            String clientUnit = "net" + client;
            String tripletUnit = grouped ? "spf:" + t : clientUnit;
            TripletRule.Result expected = Rows.join(java.greylist(t, c, rule, now));
            TripletRule.Result actual =
                Rows.join(redis.greylist(tripletUnit, t, clientUnit, c, rule, now));
            assertEquals(expected, actual, grouped + " rule " + r + " request " + i);
          }
          Map<String, TripletEntry> jt = new TreeMap<>();
          Map<String, TripletEntry> rt = new TreeMap<>();
          java.forEachTriplet(jt::put);
          redis.forEachTriplet(rt::put);
          assertEquals(jt, rt, grouped + " rule " + r + ": triplet rows");
          Map<String, Object> jc = new TreeMap<>();
          Map<String, Object> rc = new TreeMap<>();
          java.forEachClient(jc::put);
          redis.forEachClient(rc::put);
          assertEquals(jc, rc, grouped + " rule " + r + ": client rows");
        }
      }
    }
  }

  /** Rows of many units spread over every master, and a count or a listing finds them all. */
  @Test
  void countsAndListingsWalkEveryMaster() throws Exception {
    try (RedisStore store = open("spread:", EXPIRY)) {
      TripletRule rule = new TripletRule(300, 86400, 3600, 0);
      for (int i = 0; i < 300; i++) {
        Rows.join(store.greylist("net" + i, "t" + i, null, null, rule, 1_700_000_000L));
      }
      for (RedisServer m : cluster.masters()) {
        assertFalse(keys(m, "spread:t:*").isEmpty(), "master " + m.port + " holds some rows");
      }
      assertEquals(300, store.tripletCount());
      Set<String> listed = new HashSet<>();
      store.forEachTriplet((k, e) -> listed.add(k));
      assertEquals(300, listed.size());
      assertTrue(listed.contains("t299"), "keys listed without their tag");
    }
  }

  /** Each store adds to one shard; every shard is summed for the report. */
  @Test
  void decisionCountsAreShardedAndSummed() throws Exception {
    long hour = 1_700_000_000L - 1_700_000_000L % 3600;
    for (int i = 0; i < 6; i++) {
      try (RedisStore store = open("counts:", EXPIRY)) {
        store.countDecisions(hour + 5, "greylist", "new", 2);
        store.countDecisions(hour + 9, "pass", "triplet", 1);
        store.flush();
      }
    }
    Set<String> shards = new HashSet<>();
    for (RedisServer m : cluster.masters()) shards.addAll(keys(m, "counts:d:*"));
    assertTrue(shards.size() > 1, "spread over shards: " + shards);
    try (RedisStore store = open("counts:", EXPIRY)) {
      List<DecisionCount> rows = new java.util.ArrayList<>();
      store.forEachDecisionCount(hour, hour + 3600, rows::add);
      assertEquals(
          List.of(
              new DecisionCount(hour, "greylist", "new", 12),
              new DecisionCount(hour, "pass", "triplet", 6)),
          rows);
    }
  }

  @Test
  void aWindowLivesInTheSlotOfItsOwnKey() throws Exception {
    try (RedisStore store = open("win:", EXPIRY)) {
      for (int i = 0; i < 30; i++) {
        var w = Rows.join(store.addToWindow("rule{x}/" + i, 1_700_000_000L, 60, 1, 5));
        assertEquals(1, w.sum());
      }
      Set<String> slots = new HashSet<>();
      for (RedisServer m : cluster.masters()) {
        for (String k : keys(m, "win:w:*")) {
          slots.add(cluster.nodes.get(0).command("CLUSTER", "KEYSLOT", k));
        }
      }
      assertTrue(slots.size() > 20, "windows spread, braces notwithstanding: " + slots.size());
    }
  }
}
