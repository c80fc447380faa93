package org.greygate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.greylist.GreylistConfig;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.testing.Rows;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TripletStore} backend must do, run against each: semantics of the step, the
 * windowed and decision counters, expiry, atomicity under concurrency, restart, faults. A backend's
 * test class extends this and says how to open (and reopen) it.
 */
public abstract class StoreContract {
  protected TripletStore store;

  /** A new, empty store. */
  protected abstract TripletStore open() throws Exception;

  /** The same store after a restart (everything made durable before must be there), or null. */
  protected abstract TripletStore reopen(TripletStore closed) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    if (store != null) store.close();
  }

  @Test
  void aStepSeesTheRowsAsTheyAreAndWritesWhatItReturns() {
    List<String> seen = new ArrayList<>();
    String r =
        Rows.join(
            store.step(
                "t",
                "c",
                (t, c) -> {
                  seen.add(t + " " + c);
                  return new RowChange.Change<>(
                      new TripletEntry(1, 2, 5), new ClientEntry(1, 2), "x");
                }));
    assertEquals("x", r);
    assertEquals(List.of("null null"), seen);
    assertEquals(new TripletEntry(1, 2, 5), Rows.triplet(store, "t"));
    assertEquals(new ClientEntry(1, 2), Rows.client(store, "c"));
    // null leaves a row as it is; a null key neither reads nor writes that row
    Rows.join(
        store.step(
            "t",
            null,
            (t, c) -> {
              assertNull(c);
              return new RowChange.Change<>(null, new ClientEntry(9, 9), null);
            }));
    assertEquals(new TripletEntry(1, 2, 5), Rows.triplet(store, "t"));
    assertEquals(new ClientEntry(1, 2), Rows.client(store, "c"));
    assertNull(Rows.triplet(store, "other"));
    store.flush();
    assertEquals(1, store.tripletCount());
    assertEquals(1, store.clientCount());
  }

  /**
   * The greylist operation against the Java rules applied to rows kept by the test: two rules in
   * turn on the same rows (a domain's own delay beside the default), retries, late retries, rows
   * past max-age and the clock stepping back.
   */
  @Test
  void greylistDecidesAndWritesAsTheJavaRules() {
    TripletRule[] rules = {new TripletRule(300, 86400, 3600, 2), new TripletRule(60, 7200, 600, 0)};
    Map<String, TripletEntry> triplets = new java.util.HashMap<>();
    Map<String, ClientEntry> clients = new java.util.HashMap<>();
    java.util.Random random = new java.util.Random(24);
    long now = 1_700_000_000L;
    for (int i = 0; i < 400; i++) {
      int step = random.nextInt(100);
      if (step < 60) now += random.nextInt(200);
      else if (step < 95) now += random.nextInt(2 * 86400);
      else now -= random.nextInt(300); // the clock stepped back
      TripletRule rule = rules[random.nextInt(rules.length)];
      String t = "g" + random.nextInt(6);
      String c = "gc" + random.nextInt(2);
      RowChange.Change<TripletRule.Result> expected =
          rule.apply(triplets.get(t), clients.get(c), now);
      if (expected.triplet() != null) triplets.put(t, expected.triplet());
      if (expected.client() != null) clients.put(c, expected.client());
      assertEquals(
          expected.result(),
          Rows.join(store.greylist(t, c, rule, now)),
          "request " + i + " " + t + " " + c + " by " + rule + " at " + now);
    }
    for (Map.Entry<String, TripletEntry> e : triplets.entrySet()) {
      assertEquals(e.getValue(), Rows.triplet(store, e.getKey()), e.getKey());
    }
    for (Map.Entry<String, ClientEntry> e : clients.entrySet()) {
      assertEquals(e.getValue(), Rows.client(store, e.getKey()), e.getKey());
    }
  }

  @Test
  void concurrentStepsOnOneRowLoseNoUpdate() throws Exception {
    int threads = 8;
    int each = 500;
    AtomicInteger sawNew = new AtomicInteger();
    runConcurrently(
        threads,
        () -> {
          for (int i = 0; i < each; i++) {
            // the change may run more than once (an optimistic backend retries); what counts
            // is the result of the run whose rows were written
            boolean wasNew =
                Rows.join(
                    store.step(
                        "counter",
                        "client",
                        (t, c) -> {
                          long n = t == null ? 1 : t.lastSeen() + 1;
                          long m = c == null ? 1 : c.count() + 1;
                          return new RowChange.Change<>(
                              new TripletEntry(0, n), new ClientEntry(m, 0), t == null);
                        }));
            if (wasNew) sawNew.incrementAndGet();
          }
        });
    assertEquals(1, sawNew.get(), "exactly one step saw the row new");
    assertEquals(threads * each, Rows.triplet(store, "counter").lastSeen());
    assertEquals(threads * each, Rows.client(store, "client").count());
  }

  @Test
  void manyThreadsDecidingOnOneTripletGiveExactlyOneFirstPass() throws Exception {
    GreylistConfig config = GreylistConfig.builder().awlClients(3).build();
    PolicyChain chain = TestPolicy.chain(store, config, true);
    decide(chain, 0, 1_700_000_000L); // greylisted
    List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    runConcurrently(
        8,
        () -> {
          for (int i = 0; i < 20; i++) {
            outcomes.add(decide(chain, next.incrementAndGet(), 1_700_000_400L));
          }
        });
    long prepends = outcomes.stream().filter(o -> o instanceof Outcome.Prepend).count();
    assertEquals(1, prepends, outcomes.toString());
    assertEquals(160, outcomes.size());
    // the client's one row, read after the callbacks: an assertion inside them held nothing when
    // no row was written at all
    store.flush();
    Map<String, Long> awl = new java.util.TreeMap<>();
    store.forEachClient((k, c) -> awl.put(k, c.count()));
    assertEquals(List.of(1L), List.copyOf(awl.values()), "one AWL pass counted: " + awl);
  }

  private static Outcome decide(PolicyChain chain, int instance, long now) {
    Map<String, String> m = TestPolicy.rcpt("b@example.net");
    m.put("instance", "i" + instance);
    m.put("policy_test_time", Long.toString(now));
    return chain.decide(PolicyRequest.of(m)).toCompletableFuture().join();
  }

  private static void runConcurrently(int threads, Runnable body) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await();
                  body.run();
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      th.start();
      all.add(th);
    }
    start.countDown();
    for (Thread th : all) th.join(60_000);
    assertEquals(List.of(), failures);
  }

  @Test
  void aWindowCountsWithinItsLimitAndSlides() {
    long t0 = 1_700_000_000L - 1_700_000_000L % 60;
    assertEquals(new WindowCount(3, true), Rows.join(store.addToWindow("w", t0, 600, 3, 5)));
    assertEquals(new WindowCount(5, true), Rows.join(store.addToWindow("w", t0 + 100, 600, 2, 5)));
    // past the limit: not counted, the sum unchanged
    assertEquals(new WindowCount(5, false), Rows.join(store.addToWindow("w", t0 + 200, 600, 1, 5)));
    assertEquals(new WindowCount(5, false), Rows.join(store.addToWindow("w", t0 + 200, 600, 0, 5)));
    // the first 3 leave the window 600 s (plus at most one 10 s slot) after they came
    assertEquals(5, Rows.join(store.addToWindow("w", t0 + 599, 600, 0, 99)).sum());
    assertEquals(2, Rows.join(store.addToWindow("w", t0 + 610, 600, 0, 99)).sum());
    assertEquals(0, Rows.join(store.addToWindow("w", t0 + 800, 600, 0, 99)).sum());
    // keys are independent
    assertEquals(new WindowCount(1, true), Rows.join(store.addToWindow("v", t0, 600, 1, 5)));
    // taking back: off the newest slots, never below zero
    assertEquals(new WindowCount(4, true), Rows.join(store.addToWindow("v", t0 + 60, 600, 3, 5)));
    assertEquals(new WindowCount(1, true), Rows.join(store.addToWindow("v", t0 + 61, 600, -3, 0)));
    assertEquals(new WindowCount(0, true), Rows.join(store.addToWindow("v", t0 + 62, 600, -9, 0)));
    assertEquals(0, Rows.join(store.addToWindow("v", t0 + 62, 600, 0, 99)).sum());
    // listed by prefix with their window and sum now; empty ones left out
    Rows.join(store.addToWindow("rate/a/x", t0, 600, 2, 99));
    Rows.join(store.addToWindow("rate/b/y", t0, 3600, 5, 99));
    Rows.join(store.addToWindow("other", t0, 600, 1, 99));
    store.flush();
    List<String> seen = new java.util.ArrayList<>();
    store.forEachWindow("rate/", t0 + 1, (k, w, sum) -> seen.add(k + " " + w + " " + sum));
    assertEquals(List.of("rate/a/x 600 2", "rate/b/y 3600 5"), seen);
    seen.clear();
    store.forEachWindow("rate/", t0 + 700, (k, w, sum) -> seen.add(k + " " + w + " " + sum));
    assertEquals(List.of("rate/b/y 3600 5"), seen);
  }

  @Test
  void concurrentWindowAddsNeverPassTheLimit() throws Exception {
    AtomicInteger counted = new AtomicInteger();
    runConcurrently(
        8,
        () -> {
          for (int i = 0; i < 100; i++) {
            if (Rows.join(store.addToWindow("w", 1_700_000_000L, 3600, 1, 250)).counted()) {
              counted.incrementAndGet();
            }
          }
        });
    assertEquals(250, counted.get());
    assertEquals(250, Rows.join(store.addToWindow("w", 1_700_000_000L, 3600, 0, 250)).sum());
  }

  @Test
  void decisionCountsAddUpPerHourOnceWritten() {
    long h = 1_700_000_000L - 1_700_000_000L % 3600;
    store.countDecision(h + 5, "defer", "new");
    store.countDecision(h + 3599, "defer", "new");
    store.countDecision(h + 10, "dunno", "triplet found");
    store.countDecision(h + 3600, "defer", "new");
    store.flush();
    List<DecisionCount> rows = new ArrayList<>();
    store.forEachDecisionCount(h, h + 7200, rows::add);
    assertEquals(
        List.of(
            new DecisionCount(h, "defer", "new", 2),
            new DecisionCount(h, "dunno", "triplet found", 1),
            new DecisionCount(h + 3600, "defer", "new", 1)),
        rows);
    store.countDecision(h + 20, "defer", "new");
    store.flush();
    rows.clear();
    store.forEachDecisionCount(h, h + 3600, rows::add);
    assertEquals(3, rows.get(0).count());
    assertEquals(2, rows.size());
  }

  @Test
  void sweepDeletesWhatIsExpiredAndKeepsTheRest() {
    long now = 100L * 86400;
    Expiry rule = new Expiry(300, 35 * 86400, 2 * 86400);
    Rows.put(store, "old", new TripletEntry(now - 40 * 86400, now - 36 * 86400));
    Rows.put(store, "unretried", new TripletEntry(now - 3 * 86400, now - 3 * 86400 + 10));
    Rows.put(store, "live", new TripletEntry(now - 10 * 86400, now - 86400));
    Rows.put(store, "oldclient", new ClientEntry(9, now - 40 * 86400));
    Rows.put(store, "client", new ClientEntry(9, now - 86400));
    Rows.join(store.addToWindow("oldwindow", now - 7200, 3600, 1, 10));
    Rows.join(store.addToWindow("window", now - 60, 3600, 1, 10));
    store.countDecision(now - 40 * 86400, "defer", "new");
    store.countDecision(now - 86400, "defer", "new");
    store.flush();
    SweepProgress p = SweepProgress.START;
    for (int i = 0; i < 100 && !p.finished(); i++) p = store.sweep(rule, now, p, 2);
    assertTrue(p.finished());
    assertEquals(5, p.deleted()); // 2 triplets, 1 client, 1 window, 1 hour of counters
    assertNull(Rows.triplet(store, "old"));
    assertNull(Rows.triplet(store, "unretried"));
    assertEquals(new TripletEntry(now - 10 * 86400, now - 86400), Rows.triplet(store, "live"));
    assertNull(Rows.client(store, "oldclient"));
    assertEquals(0, Rows.join(store.addToWindow("oldwindow", now, 3600, 0, 10)).sum());
    assertEquals(1, Rows.join(store.addToWindow("window", now, 3600, 0, 10)).sum());
    List<DecisionCount> rows = new ArrayList<>();
    store.forEachDecisionCount(0, now, rows::add);
    assertEquals(1, rows.size(), rows.toString());
  }

  @Test
  void whatWasDurableIsThereAfterARestart() throws Exception {
    Rows.put(store, "t", new TripletEntry(1, 2));
    Rows.put(store, "c", new ClientEntry(3, 4));
    Rows.join(store.addToWindow("w", 1_700_000_000L, 3600, 7, 10));
    store.countDecision(1_700_000_000L, "defer", "new");
    store.flush();
    TripletStore again = reopen(store);
    assumeTrue(again != null, "this backend keeps nothing across a restart");
    store = again;
    assertEquals(new TripletEntry(1, 2), Rows.triplet(store, "t"));
    assertEquals(new ClientEntry(3, 4), Rows.client(store, "c"));
    assertEquals(7, Rows.join(store.addToWindow("w", 1_700_000_000L, 3600, 0, 10)).sum());
    List<DecisionCount> rows = new ArrayList<>();
    store.forEachDecisionCount(0, Long.MAX_VALUE, rows::add);
    assertEquals(1, rows.size());
  }

  /**
   * A triplet's row counts its attempts: 1 when new, one more at each later sighting (a repeat in
   * the same second counts once), 1 again when it starts over; the count is kept across a restart,
   * for a triplet still waiting as for one that passed, and counting goes on from it.
   */
  @Test
  void attemptsFollowSightingsAndSurviveARestart() throws Exception {
    TripletRule rule = new TripletRule(300, 86400, 3600, 0);
    long t0 = 1_700_000_000L;
    Rows.join(store.greylist("waiting", null, rule, t0));
    Rows.join(store.greylist("waiting", null, rule, t0 + 60));
    Rows.join(store.greylist("waiting", null, rule, t0 + 60)); // the same second: counted once
    for (long at : new long[] {t0, t0 + 100, t0 + 200, t0 + 400}) {
      Rows.join(store.greylist("passed", null, rule, at));
    }
    Rows.join(store.greylist("late", null, rule, t0));
    Rows.join(store.greylist("late", null, rule, t0 + 3601)); // after the retry window: anew
    Rows.put(store, "unknown", new TripletEntry(t0, t0));
    assertEquals(new TripletEntry(t0, t0 + 60, 2), Rows.triplet(store, "waiting"));
    assertEquals(new TripletEntry(t0, t0 + 400, 4), Rows.triplet(store, "passed"));
    assertEquals(new TripletEntry(t0 + 3601, t0 + 3601, 1), Rows.triplet(store, "late"));
    store.flush();
    TripletStore again = reopen(store);
    assumeTrue(again != null, "this backend keeps nothing across a restart");
    store = again;
    assertEquals(new TripletEntry(t0, t0 + 60, 2), Rows.triplet(store, "waiting"));
    assertEquals(new TripletEntry(t0, t0 + 400, 4), Rows.triplet(store, "passed"));
    assertEquals(new TripletEntry(t0, t0, 0), Rows.triplet(store, "unknown"));
    Map<String, TripletEntry> listed = new java.util.TreeMap<>();
    store.forEachTriplet(listed::put);
    assertEquals(new TripletEntry(t0, t0 + 60, 2), listed.get("waiting"));
    assertEquals(new TripletEntry(t0, t0 + 400, 4), listed.get("passed"));
    Rows.join(store.greylist("waiting", null, rule, t0 + 301)); // its pass
    Rows.join(store.greylist("passed", null, rule, t0 + 500));
    Rows.join(store.greylist("unknown", null, rule, t0 + 400)); // not known: stays so
    assertEquals(new TripletEntry(t0, t0 + 301, 3), Rows.triplet(store, "waiting"));
    assertEquals(new TripletEntry(t0, t0 + 500, 5), Rows.triplet(store, "passed"));
    assertEquals(new TripletEntry(t0, t0 + 400, 0), Rows.triplet(store, "unknown"));
  }

  @Test
  void aClosedStoreFailsWithATypedFaultNeverHangs() {
    store.close();
    StoreException e =
        assertThrows(
            StoreException.class, () -> Rows.triplet(store, "t"), "step on a closed store");
    assertEquals("unavailable", e.kind());
    CompletionException w =
        assertThrows(
            CompletionException.class,
            () -> store.addToWindow("w", 1, 60, 1, 1).toCompletableFuture().join());
    assertTrue(w.getCause() instanceof StoreException.Unavailable, w.toString());
    store.countDecision(1, "defer", "new"); // never throws
    store = null;
  }
}
