package org.greygate.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.greygate.config.Settings;
import org.greygate.feature.ApiPage;
import org.greygate.metrics.Counters;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletRule;
import org.greygate.store.memory.MemoryStore;
import org.junit.jupiter.api.Test;

/**
 * A release against the triplet rules every backend is held to: the released triplet's next attempt
 * passes (as a first pass), one that passed or expired is left alone; and the API's refusals
 * without a socket.
 */
class ReleasesTest {
  static final long NOW = 1_800_000_000L;
  static final Keying K = Keying.of(Settings.DEFAULTS); // delay 300, retry window 2 days
  static final TripletRule RULE = new TripletRule(K.expiry(), 5);

  static TripletEntry row(MemoryStore store, String key) {
    return store
        .step(
            key,
            null,
            (t, c) -> new org.greygate.store.RowChange.Change<TripletEntry>(null, null, t))
        .toCompletableFuture()
        .join();
  }

  static TripletRule.Result attempt(MemoryStore store, String key, long at) {
    return store.greylist(key, null, RULE, at).toCompletableFuture().join();
  }

  @Test
  void aReleasedTripletPassesAtItsNextAttemptAsAFirstPass() {
    MemoryStore store = new MemoryStore();
    String key = "192.0.2.0/code@bank.example/alice@example.net";
    assertEquals(TripletRule.Kind.NEW, attempt(store, key, NOW - 100).kind());
    List<Waiting> w = Releases.waiting(store, K, Selector.ANY, NOW, Path.of("."), 10);
    assertEquals(1, w.size());
    assertEquals(NOW - 100 + 300, w.get(0).nextRetry());
    assertEquals(1, Releases.release(store, K, w, NOW, "cli"));
    assertTrue(Releases.waiting(store, K, Selector.ANY, NOW, Path.of("."), 10).size() == 1);
    TripletRule.Result next = attempt(store, key, NOW + 10);
    assertEquals(TripletRule.Kind.PASS, next.kind());
    assertTrue(next.firstPass());
    // passed now: no longer waiting, a second release finds nothing to do
    assertTrue(Releases.waiting(store, K, Selector.ANY, NOW + 11, Path.of("."), 10).isEmpty());
    assertEquals(0, Releases.release(store, K, w, NOW + 11, "cli"));
    assertEquals(NOW + 10, row(store, key).lastSeen());
  }

  @Test
  void onlyTheSelectedTripletsAreReleased() {
    MemoryStore store = new MemoryStore();
    attempt(store, "192.0.2.0/a@bank.example/c@d.example", NOW - 10);
    attempt(store, "198.51.100.0/news@list.example/c@d.example", NOW - 10);
    Selector bank = Selector.parse("@bank.example", null, null, null, false, NOW);
    List<Waiting> w = Releases.waiting(store, K, bank, NOW, Path.of("."), 10);
    assertEquals(1, Releases.release(store, K, w, NOW, "cli"));
    assertEquals(
        TripletRule.Kind.PASS,
        attempt(store, "192.0.2.0/a@bank.example/c@d.example", NOW + 1).kind());
    assertEquals(
        TripletRule.Kind.EARLY_RETRY,
        attempt(store, "198.51.100.0/news@list.example/c@d.example", NOW + 1).kind());
  }

  @Test
  void anExpiredOrPassedTripletIsNotWaiting() {
    MemoryStore store = new MemoryStore();
    attempt(store, "192.0.2.0/old@b.example/c@d.example", NOW - 3 * 86_400);
    attempt(store, "192.0.2.0/ok@b.example/c@d.example", NOW - 1000);
    attempt(store, "192.0.2.0/ok@b.example/c@d.example", NOW - 10); // passed
    assertTrue(Releases.waiting(store, K, Selector.ANY, NOW, Path.of("."), 10).isEmpty());
  }

  static ApiPage.Call call(String method, String query, String auth, String body, String from)
      throws Exception {
    return new ApiPage.Call(
        method,
        method.equals("POST") ? "/api/release" : "/api/greylisted",
        query,
        auth == null ? Map.of() : Map.of("authorization", List.of(auth)),
        body.getBytes(StandardCharsets.UTF_8),
        InetAddress.getByName(from));
  }

  @Test
  void theApiRefusesCallersBeyondLoopbackAndBadTokensWithoutDetail() throws Exception {
    Counters metrics = new Counters();
    String token = "0123456789abcdef-token";
    ReleaseApi api =
        new ReleaseApi(
            token,
            false,
            new MemoryStore(),
            K,
            Path.of("."),
            metrics,
            Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
    ApiPage.Answer a = api.greylisted(call("GET", "", "Bearer " + token, "", "192.0.2.1"));
    assertEquals(403, a.status());
    a = api.greylisted(call("GET", "", "Bearer " + token, "", "::1"));
    assertEquals(200, a.status());
    for (String bad :
        new String[] {
          null, "Bearer", "Bearer " + token + "x", "bearer " + token.substring(1), "Basic " + token
        }) {
      a = api.release(call("POST", "", bad, "{\"all\":true}", "127.0.0.1"));
      assertEquals(401, a.status(), bad);
      assertEquals("{\"error\":\"unauthorized\"}\n", new String(a.body(), StandardCharsets.UTF_8));
    }
    for (String body :
        new String[] {
          "[]",
          "{",
          "{\"sender\":1}",
          "{\"owner\":\"root\"}",
          "{\"sender\":\"a@b\",\"sender\":\"c@d\"}",
          "{\"sender\":{\"x\":1}}",
          "{} {}",
          "{}",
          "{\"all\":true,\"sender\":\"a@b\"}"
        }) {
      a = api.release(call("POST", "", "Bearer " + token, body, "127.0.0.1"));
      assertEquals(400, a.status(), body);
    }
    a =
        api.greylisted(
            call("GET", "sender=a%40b&sender=c%40d", "Bearer " + token, "", "127.0.0.1"));
    assertEquals(400, a.status());
    a = api.greylisted(call("GET", "sender=%zz", "Bearer " + token, "", "127.0.0.1"));
    assertEquals(400, a.status());
    a =
        api.release(
            call("POST", "", "Bearer " + token, "{\"sender\":\"a@b.example\"}", "127.0.0.1"));
    assertEquals(404, a.status());
    assertFalse(new String(a.body(), StandardCharsets.UTF_8).isEmpty());
  }
}
