package org.greygate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.policy.PolicyContext;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.memory.MemoryStore;
import org.junit.jupiter.api.Test;

class RateLimitPolicyTest {
  final MemoryStore store = new MemoryStore();
  static final long T0 = 1_800_000_000L;

  RateLimitPolicy policy(String... lines) throws Exception {
    RateRules rules = RateRules.parse(List.of(lines), "rules");
    return new RateLimitPolicy(() -> rules, store);
  }

  static Map<String, String> message(String user, int recipients) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "END-OF-MESSAGE");
    m.put("client_address", "192.0.2.10");
    m.put("sasl_username", user);
    m.put("sender", user);
    m.put("recipient_count", Integer.toString(recipients));
    m.put("size", "1000");
    return m;
  }

  static Optional<Outcome> decide(RateLimitPolicy p, Map<String, String> m, long now) {
    return p.evaluate(new PolicyContext(PolicyRequest.of(m), now)).toCompletableFuture().join();
  }

  static String answer(RateLimitPolicy p, Map<String, String> m, long now) {
    return decide(p, m, now).map(PolicyReply::action).orElse("(no opinion)");
  }

  @Test
  void holdAfterTheLimitAndFreeAgainAfterTheWindow() throws Exception {
    RateLimitPolicy p = policy("burst sasl_username messages 3 10m HOLD");
    for (int i = 0; i < 3; i++) {
      assertEquals("(no opinion)", answer(p, message("alice@example.org", 1), T0 + i));
    }
    Outcome held = decide(p, message("alice@example.org", 1), T0 + 3).orElseThrow();
    assertEquals("HOLD held for review: rate limit burst", PolicyReply.action(held));
    assertEquals("ratelimit", held.note().action());
    assertEquals(
        List.of("rule=burst", "key=alice@example.org", "count=4", "limit=3", "window=10m"),
        held.note().fields());
    // held messages still count: the flood stays held while it goes on
    assertTrue(answer(p, message("alice@example.org", 1), T0 + 300).startsWith("HOLD"));
    // another user is not affected
    assertEquals("(no opinion)", answer(p, message("bob@example.org", 1), T0 + 4));
    // a window (plus at most one 10 s slot) after the last message, free again
    assertEquals("(no opinion)", answer(p, message("alice@example.org", 1), T0 + 300 + 611));
  }

  @Test
  void refusedMessagesAreCountedNowhereAndTheStrictestWins() throws Exception {
    RateLimitPolicy p =
        policy(
            "burst sasl_username messages 2 1h HOLD",
            "rcpts sasl_username recipients 10 1h DEFER \"4.7.1 too many recipients\"");
    assertEquals("(no opinion)", answer(p, message("a@x", 4), T0));
    assertEquals("(no opinion)", answer(p, message("a@x", 4), T0 + 1));
    // 8 + 4 > 10: DEFER beats HOLD (which also hit: 3 > 2)
    Outcome o = decide(p, message("a@x", 4), T0 + 2).orElseThrow();
    assertEquals("DEFER 4.7.1 too many recipients", PolicyReply.action(o));
    assertTrue(o.note().fields().contains("also=burst"), o.note().fields().toString());
    // the deferred message is in neither count: 2 messages, 8 recipients
    assertEquals(
        2,
        store
            .addToWindow("rate/burst/a@x", T0 + 3, 3600, 0, 99)
            .toCompletableFuture()
            .join()
            .sum());
    assertEquals(
        8,
        store
            .addToWindow("rate/rcpts/a@x", T0 + 3, 3600, 0, 99)
            .toCompletableFuture()
            .join()
            .sum());
    // a smaller message still fits the recipient limit, and is held by the message limit
    assertTrue(answer(p, message("a@x", 2), T0 + 4).startsWith("HOLD"));
  }

  @Test
  void requestsWithoutTheKeyAndExemptOnesAreNotCounted() throws Exception {
    RateLimitPolicy p =
        policy(
            "burst sasl_username messages 1 1h REJECT",
            "exempt sasl_username newsletter@example.org");
    Map<String, String> anonymous = message("", 1);
    for (int i = 0; i < 5; i++) assertEquals("(no opinion)", answer(p, anonymous, T0 + i));
    Map<String, String> missing = message("x", 1);
    missing.remove("sasl_username");
    assertEquals("(no opinion)", answer(p, missing, T0));
    for (int i = 0; i < 5; i++) {
      assertEquals("(no opinion)", answer(p, message("Newsletter@example.org", 1), T0 + i));
    }
    assertEquals("(no opinion)", answer(p, message("u@x", 1), T0));
    assertEquals("REJECT 5.7.1 rate limit reached", answer(p, message("u@x", 1), T0 + 1));
    // not at RCPT (the count belongs at the end of the message)
    Map<String, String> rcpt = message("u@x", 1);
    rcpt.put("protocol_state", "RCPT");
    assertEquals("(no opinion)", answer(p, rcpt, T0 + 2));
  }

  @Test
  void aKeyCanHaveItsOwnLimit() throws Exception {
    RateRules rules =
        RateRules.parse(List.of("daily sasl_username messages 1 1d DEFER"), "rules")
            .withOverrides(List.of("# bulk sender", "Big@example.org daily 3"), "rules.local");
    RateLimitPolicy p = new RateLimitPolicy(() -> rules, store);
    for (int i = 0; i < 3; i++)
      assertEquals("(no opinion)", answer(p, message("big@example.org", 1), T0 + i));
    Outcome o = decide(p, message("big@example.org", 1), T0 + 3).orElseThrow();
    assertTrue(o.note().fields().contains("limit=3"), o.note().fields().toString());
    assertEquals("(no opinion)", answer(p, message("small@example.org", 1), T0));
    assertTrue(answer(p, message("small@example.org", 1), T0 + 1).startsWith("DEFER"));
    RateRules base = RateRules.parse(List.of("daily sasl_username messages 1 1d DEFER"), "rules");
    assertEquals(
        "rules.local:1: no rule named weekly in the rules file",
        org.junit.jupiter.api.Assertions.assertThrows(
                RateRules.Invalid.class,
                () -> base.withOverrides(List.of("a@x weekly 5"), "rules.local"))
            .getMessage());
    assertEquals(
        "rules.local:1: limit must be 1 or more, got 0",
        org.junit.jupiter.api.Assertions.assertThrows(
                RateRules.Invalid.class,
                () -> base.withOverrides(List.of("a@x daily 0"), "rules.local"))
            .getMessage());
  }

  @Test
  void networksAndBytes() throws Exception {
    RateLimitPolicy p =
        policy("net client_address/24 messages 2 1h WARN", "big global bytes 2500 1h DEFER");
    Map<String, String> m = message("u@x", 1);
    assertEquals("(no opinion)", answer(p, m, T0));
    m.put("client_address", "192.0.2.200"); // the same /24
    assertEquals("(no opinion)", answer(p, m, T0 + 1));
    // third message: 3000 bytes > 2500 defers (and the WARN would have hit too)
    assertTrue(answer(p, m, T0 + 2).startsWith("DEFER"));
    m.put("size", "400");
    assertEquals("WARN rate limit net passed", answer(p, m, T0 + 3));
  }

  @Test
  void aRefusingLimitHoldsExactlyUnderConcurrency() throws Exception {
    RateLimitPolicy p = policy("cap global messages 100 1h REJECT");
    AtomicInteger passed = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < 8; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 50; i++) {
                  if (decide(p, message("u" + i + "@x", 1), T0).isEmpty()) passed.incrementAndGet();
                }
              });
      threads.add(th);
      th.start();
    }
    start.countDown();
    for (Thread th : threads) th.join(60_000);
    assertEquals(100, passed.get(), "exactly the limit passes out of 400");
  }
}
