package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.metrics.Counters;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.StoreException;
import org.greygate.testing.LogCapture;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;

/** The chain alone, with policies written for the test: order, fail-open, time, counting. */
class PolicyChainTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
  static final Outcome FAIL_OPEN = new Outcome.Dunno(Outcome.Note.of("pass", "fail-open"));
  final Counters metrics = new Counters();
  final List<String> recorded = new ArrayList<>();

  PolicyChain chain(boolean trust, Policy... policies) {
    List<Policy> all = new ArrayList<>();
    all.add(new RequestGate());
    all.addAll(List.of(policies));
    return new PolicyChain(
        all, CLOCK, trust, FAIL_OPEN, metrics, (t, o, r) -> recorded.add(t + " " + o + " " + r));
  }

  static PolicyRequest request(String testTime) {
    Map<String, String> m = TestPolicy.rcpt("b@example.net");
    if (testTime != null) m.put("policy_test_time", testTime);
    return PolicyRequest.of(m);
  }

  static Outcome decide(PolicyChain c, PolicyRequest r) {
    return c.decide(r).toCompletableFuture().join();
  }

  static Policy defer(String text) {
    return ctx ->
        Policy.answer(
            new Outcome.Defer("DEFER_IF_PERMIT", text, Outcome.Note.of("greylist", text)));
  }

  @Test
  void firstPolicyWithAnOpinionWinsAndNobodyMeansDunno() {
    Policy silent = ctx -> Policy.NO_OPINION;
    assertEquals(
        "DEFER_IF_PERMIT one",
        PolicyReply.action(
            decide(chain(false, silent, defer("one"), defer("two")), request(null))));
    Outcome none = decide(chain(false, silent), request(null));
    assertEquals("DUNNO", PolicyReply.action(none));
    assertEquals("no policy decided", none.note().reason());
    assertEquals(List.of("1700000000 defer one", "1700000000 dunno no policy decided"), recorded);
    assertEquals(1, metrics.decisions("defer", "one"));
  }

  @Test
  void policyTestTimeIsIgnoredUnlessTrusted() {
    List<Long> seen = new ArrayList<>();
    Policy clock =
        ctx -> {
          seen.add(ctx.now());
          return Policy.NO_OPINION;
        };
    decide(chain(false, clock), request("1800000000"));
    decide(chain(true, clock), request("1800000000"));
    decide(chain(true, clock), request("garbage")); // unparsable: the clock
    assertEquals(List.of(1_700_000_000L, 1_800_000_000L, 1_700_000_000L), seen);
  }

  @Test
  void storeFaultsFailOpenThrownOrCompletedAndAreCounted() {
    Policy thrower =
        ctx -> {
          throw new StoreException.Unavailable("disk on fire");
        };
    Policy completer =
        ctx -> CompletableFuture.failedFuture(new StoreException.Full("no space", null));
    Outcome a;
    Outcome b;
    try (LogCapture logs = LogCapture.of(PolicyChain.class)) {
      PolicyChain c = chain(false, thrower);
      a = decide(c, request(null));
      decide(c, request(null));
      // the first failure is logged at once, the next within the minute only counted
      assertEquals(
          List.of(
              "store unavailable, answering DUNNO (fail-open; 1 failures so far): disk on fire"),
          logs.errors());
      b = decide(chain(false, completer), request(null));
    }
    assertEquals("DUNNO", PolicyReply.action(a));
    assertEquals("fail-open (store unavailable)", a.note().reasonText());
    assertEquals("fail-open (store full)", b.note().reasonText());
    assertEquals(Map.of("unavailable", 2L, "full", 1L), metrics.storeFaults());
    assertEquals(3, metrics.failOpenCount());
    // the log says what Postfix was told
    PolicyChain deferring =
        new PolicyChain(
            List.of(thrower),
            CLOCK,
            false,
            new Outcome.Defer("DEFER_IF_PERMIT", "later", Outcome.Note.of("x", "y")),
            metrics,
            PolicyChain.DecisionRecorder.NONE);
    assertEquals("defer", decide(deferring, request(null)).note().action());
  }

  @Test
  void aLateStageIsFollowedWhenItCompletes() {
    CompletableFuture<Optional<Outcome>> later = new CompletableFuture<>();
    PolicyChain c = chain(false, ctx -> later, defer("after"));
    CompletableFuture<Outcome> answer = c.decide(request(null)).toCompletableFuture();
    assertTrue(!answer.isDone());
    later.complete(Optional.empty());
    assertEquals("DEFER_IF_PERMIT after", PolicyReply.action(answer.join()));
  }

  @Test
  void aBugInAPolicyFailsOpenButAnErrorReachesTheServer() {
    Policy buggy =
        ctx -> {
          throw new IllegalStateException("bug");
        };
    assertEquals(
        "fail-open (error)", decide(chain(false, buggy), request(null)).note().reasonText());
    Policy broken =
        ctx -> {
          throw new NoClassDefFoundError("gone");
        };
    assertThrows(NoClassDefFoundError.class, () -> chain(false, broken).decide(request(null)));
    CompletableFuture<Optional<Outcome>> later = new CompletableFuture<>();
    CompletableFuture<Outcome> answer =
        chain(false, ctx -> later).decide(request(null)).toCompletableFuture();
    later.completeExceptionally(new NoClassDefFoundError("gone later"));
    CompletionException e = assertThrows(CompletionException.class, answer::join);
    assertTrue(e.getCause() instanceof NoClassDefFoundError, e.toString());
  }

  /** A timer the test fires by hand: {@link #fire} runs every task not cancelled. */
  static final class ManualTimer implements PolicyChain.Timer {
    final List<Runnable> tasks = new ArrayList<>();
    final List<CompletableFuture<Void>> handles = new ArrayList<>();

    @Override
    public Future<?> schedule(Runnable task, long nanos) {
      CompletableFuture<Void> handle = new CompletableFuture<>();
      tasks.add(task);
      handles.add(handle);
      return handle;
    }

    void fire() {
      for (int i = 0; i < tasks.size(); i++) {
        if (!handles.get(i).isCancelled()) tasks.get(i).run();
      }
      tasks.clear();
      handles.clear();
    }
  }

  /**
   * The daemon's own deadline timer: a deadline runs at its time, and one cancelled (every decision
   * answered in time cancels its own) leaves the queue at once, so a busy daemon's queue holds only
   * the decisions under way.
   */
  @Test
  void theDeadlineTimerRunsATaskAtItsTimeAndForgetsACancelledOne() throws Exception {
    PolicyChain.DeadlineTimer t = new PolicyChain.DeadlineTimer("test-deadlines");
    try {
      List<Future<?>> answered = new ArrayList<>();
      AtomicInteger ran = new AtomicInteger();
      for (int i = 0; i < 10_000; i++) {
        answered.add(t.schedule(ran::incrementAndGet, TimeUnit.HOURS.toNanos(1)));
      }
      assertEquals(10_000, t.queued());
      for (Future<?> f : answered) f.cancel(false);
      assertEquals(0, t.queued(), "cancelled deadlines left in the queue");
      CountDownLatch late = new CountDownLatch(1);
      long start = System.nanoTime();
      t.schedule(late::countDown, TimeUnit.MILLISECONDS.toNanos(20));
      assertTrue(late.await(5, TimeUnit.SECONDS), "the deadline never ran");
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20));
      assertEquals(0, ran.get(), "a cancelled deadline ran");
    } finally {
      t.shutdown();
    }
  }

  final ManualTimer timer = new ManualTimer();

  /** A chain with a reply deadline on the hand-fired timer. */
  PolicyChain onTime(Policy... policies) {
    List<Policy> all = new ArrayList<>();
    all.add(new RequestGate());
    all.addAll(List.of(policies));
    return new PolicyChain(
        all,
        CLOCK,
        false,
        FAIL_OPEN,
        metrics,
        (t, o, r) -> recorded.add(t + " " + o + " " + r),
        new DecisionLog(),
        java.time.Duration.ofMillis(100),
        timer);
  }

  @Test
  void aDecisionAnsweredAtItsDeadlineIsCountedOnceAsFailOpen() {
    CompletableFuture<Optional<Outcome>> later = new CompletableFuture<>();
    PolicyChain c = onTime(ctx -> later);
    CompletableFuture<Outcome> answer = c.decide(request(null)).toCompletableFuture();
    assertTrue(!answer.isDone());
    timer.fire(); // the deadline
    assertEquals("fail-open (reply timeout)", answer.getNow(null).note().reasonText());
    assertEquals("DUNNO", PolicyReply.action(answer.join()));
    later.complete(Optional.of(new Outcome.Ok(Outcome.Note.of("pass", "late"))));
    assertEquals("fail-open (reply timeout)", answer.join().note().reasonText(), "one answer");
    assertEquals(List.of("1700000000 dunno fail-open"), recorded, "recorded once");
    assertEquals(1, metrics.replyTimeouts());
    assertEquals(Map.of("timeout", 1L), metrics.failOpen());
    assertEquals(0, metrics.decisionCount(), "the late decision is not counted");
  }

  @Test
  void aDecisionBeforeItsDeadlineCancelsIt() {
    CompletableFuture<Optional<Outcome>> later = new CompletableFuture<>();
    CompletableFuture<Outcome> answer =
        onTime(ctx -> later).decide(request(null)).toCompletableFuture();
    later.complete(Optional.of(new Outcome.Ok(Outcome.Note.of("pass", "in time"))));
    assertEquals("in time", answer.join().note().reason());
    assertTrue(timer.handles.get(0).isCancelled(), "the deadline is dropped with its decision");
    timer.fire();
    assertEquals(List.of("1700000000 ok in time"), recorded);
    assertEquals(0, metrics.replyTimeouts());
  }

  /** With the JDK's timer, as the daemon runs it: a store that never answers. */
  @Test
  void aStoreThatNeverAnswersGetsTheFailOpenAnswerAtTheDeadline() {
    PolicyChain c =
        new PolicyChain(
            List.of(ctx -> new CompletableFuture<>()),
            CLOCK,
            false,
            FAIL_OPEN,
            metrics,
            (t, o, r) -> recorded.add(t + " " + o + " " + r),
            new DecisionLog(),
            java.time.Duration.ofMillis(50));
    long t = System.nanoTime();
    Outcome o = c.decide(request(null)).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
    long ms = (System.nanoTime() - t) / 1_000_000;
    assertTrue(ms >= 45 && ms < 2000, "answered after " + ms + " ms");
    assertEquals("fail-open (reply timeout)", o.note().reasonText());
    assertEquals(List.of("1700000000 dunno fail-open"), recorded);
    assertEquals(1, metrics.replyTimeouts());
  }

  @Test
  void lateDecisionsUnderWayAreBoundedAndTheNextRequestsAnsweredAtOnce() {
    List<CompletableFuture<Optional<Outcome>>> calls = new ArrayList<>();
    PolicyChain c =
        onTime(
            ctx -> {
              CompletableFuture<Optional<Outcome>> f = new CompletableFuture<>();
              calls.add(f);
              return f;
            });
    int n = PolicyChain.MAX_ABANDONED + 5;
    for (int i = 0; i < n; i++) {
      CompletableFuture<Outcome> answer = c.decide(request(null)).toCompletableFuture();
      timer.fire();
      assertEquals("fail-open (reply timeout)", answer.join().note().reasonText());
    }
    assertEquals(PolicyChain.MAX_ABANDONED, calls.size(), "no store call past the bound");
    assertEquals(n, metrics.replyTimeouts());
    assertEquals(n, recorded.size());
    calls.get(0).complete(Optional.empty()); // one late decision done: room for one more call
    c.decide(request(null));
    assertEquals(PolicyChain.MAX_ABANDONED + 1, calls.size());
  }

  /**
   * Decisions racing their deadline on other threads: each answer given once, and every late
   * decision leaves the count of those under way when it completes (none is leaked, or the bound
   * would end up answering everything at once).
   */
  @Test
  void decisionsRacingTheirDeadlineLeaveNothingUnderWay() throws Exception {
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      PolicyChain c =
          new PolicyChain(
              List.of(
                  ctx ->
                      CompletableFuture.supplyAsync(
                          () -> {
                            java.util.concurrent.locks.LockSupport.parkNanos(
                                java.util.concurrent.ThreadLocalRandom.current()
                                    .nextLong(4_000_000));
                            return Optional.of(new Outcome.Ok(Outcome.Note.of("pass", "decided")));
                          },
                          threads)),
              CLOCK,
              false,
              FAIL_OPEN,
              metrics,
              (t, o, r) -> {},
              new DecisionLog(),
              java.time.Duration.ofMillis(2));
      List<CompletableFuture<Outcome>> answers = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        answers.add(c.decide(request(null)).toCompletableFuture());
        if (i % 4 == 3) answers.get(i).get(5, TimeUnit.SECONDS); // as many as threads
      }
      for (CompletableFuture<Outcome> a : answers) a.get(5, TimeUnit.SECONDS);
      threads.shutdown();
      assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
      long late = metrics.replyTimeouts();
      assertEquals(2000, metrics.decisionCount() + late, "one answer each, counted once");
      assertTrue(late > 0 && late < 2000, late + " answered late: both sides of the race");
      assertEquals(0, c.lateDecisionsUnderWay(), late + " answered late");
    } finally {
      threads.shutdownNow();
    }
  }

  /** The exporter shows each of these at 0 from the start, so the chain must use no other. */
  @Test
  void everyFailOpenCauseAndStoreFaultKindIsOneTheMetricsName() {
    List<RuntimeException> failures =
        List.of(
            new StoreException.Unavailable("gone"),
            new StoreException.Full("no space", null),
            new StoreException.Corrupt("bad page", null),
            new IllegalStateException("bug"));
    for (RuntimeException e : failures) {
      decide(
          chain(
              false,
              ctx -> {
                throw e;
              }),
          request(null));
    }
    onTime(ctx -> new CompletableFuture<>()).decide(request(null));
    timer.fire();
    assertEquals(
        new java.util.TreeSet<>(Metrics.FAIL_OPEN_CAUSES),
        new java.util.TreeSet<>(metrics.failOpen().keySet()));
    assertEquals(
        new java.util.TreeSet<>(Metrics.STORE_FAULT_KINDS),
        new java.util.TreeSet<>(metrics.storeFaults().keySet()));
  }

  @Test
  void otherRequestTypesGetDunno() {
    Outcome o = decide(chain(false, defer("never")), PolicyRequest.of(Map.of("request", "junk")));
    assertEquals("DUNNO", PolicyReply.action(o));
    assertEquals("unknown request", o.note().reason());
  }
}
