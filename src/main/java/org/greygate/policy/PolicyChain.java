package org.greygate.policy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks each policy in order until one answers; when none does, the answer is DUNNO. Every answer is
 * logged (one line), reported to the metrics and counted per hour in the store.
 *
 * <p>Fail-open: a store fault anywhere in the chain, or a bug in a policy ({@link
 * RuntimeException}), gets the configured fail-open outcome, logged at most once a minute, so mail
 * keeps flowing while greylisting is broken. An {@link Error} is not caught here: the server logs
 * it and closes that connection.
 *
 * <p>The reply deadline is the chain's, and only the chain's: a decision not complete when {@link
 * #decide} returns is answered when it completes or, once the reply timeout has passed, with the
 * fail-open outcome (noted {@code fail-open (reply timeout)}), whichever comes first; the stage
 * {@code decide} returns completes exactly once, with that answer, and only that answer is logged
 * and counted (the timeout once). The late decision still completes in the store; while {@link
 * #MAX_ABANDONED} of them are under way, further requests get the fail-open answer at once instead
 * of another store call, so a store that never answers cannot pile up work.
 *
 * <p>Thread-safe. Stages that complete at once are followed at once, with no thread hand-off.
 */
public final class PolicyChain implements Decider {
  private static final Logger log = LoggerFactory.getLogger(PolicyChain.class);
  private static final long FAILURE_LOG_INTERVAL = 60;

  /** What every decision is reported to besides the log: typically the store's counters. */
  @FunctionalInterface
  public interface DecisionRecorder {
    /** {@code outcome} is {@link Outcome#kind()}; {@code reason} the note's reason. */
    void record(long epochSecond, String outcome, String reason);

    DecisionRecorder NONE = (t, a, r) -> {};
  }

  private final List<Policy> policies;
  private final Clock clock;
  private final boolean trustTestTime;
  private final Outcome failOpen;
  private final Metrics metrics;
  private final DecisionRecorder recorder;
  private final DecisionLog decisions;
  private final AtomicLong lastFailureLog;
  private final AtomicLong lastTimeoutLog;
  private final AtomicLong failures;
  private final Duration replyTimeout;
  private final long timeoutNanos;
  private final Timer timer;

  /** The policy sets chosen by {@code policy_context}, or null: every request gets the chain. */
  private final PolicySets sets;

  /**
   * Decisions answered at their deadline and still under way, daemon-wide. Past {@link
   * #MAX_ABANDONED}, a request gets the fail-open answer at once.
   */
  private final AtomicInteger abandoned;

  /** Advice, once, when the requests show Postfix asks at a stage a policy cannot work at. */
  private final Placement placement = new Placement(log::warn);

  /** Late decisions still under way past which requests are answered fail-open at once. */
  public static final int MAX_ABANDONED = 64;

  /** Runs a task once {@code nanos} have passed, unless the returned future is cancelled first. */
  @FunctionalInterface
  interface Timer {
    Future<?> schedule(Runnable task, long nanos);
  }

  /**
   * The reply deadlines' one thread (a daemon). A deadline cancelled before its time, as nearly all
   * are, leaves the queue at once and costs no exception: cancelling a {@link CompletableFuture}
   * timer instead (as {@link CompletableFuture#completeOnTimeout} needs) created three, each with
   * its stack trace, for every decision that waited on its store: on Redis, 4-5% of the daemon's
   * CPU samples in the stack walk alone, and 17% less CPU per decision without them.
   */
  static final Timer DEADLINES = new DeadlineTimer("greygate-deadlines");

  /** A timer on one daemon thread whose queue drops a task when it is cancelled. */
  static final class DeadlineTimer implements Timer {
    private final ScheduledThreadPoolExecutor executor;

    DeadlineTimer(String threadName) {
      executor =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
              });
      executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Future<?> schedule(Runnable task, long nanos) {
      return executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    /** Tasks waiting for their time. */
    int queued() {
      return executor.getQueue().size();
    }

    void shutdown() {
      executor.shutdownNow();
    }
  }

  /**
   * @param trustTestTime honour the {@code policy_test_time} attribute (tests only: a client could
   *     otherwise pick the time and skip the delay)
   * @param failOpen the answer when the store fails or a decision is late (its note is replaced)
   */
  public PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder) {
    this(policies, clock, trustTestTime, failOpen, metrics, recorder, new DecisionLog());
  }

  /** With the decision lines in {@code log}'s format, and no reply deadline. */
  public PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder,
      DecisionLog log) {
    this(policies, clock, trustTestTime, failOpen, metrics, recorder, log, Duration.ZERO);
  }

  /**
   * @param replyTimeout the reply deadline ({@code --reply-timeout}): a decision not ready by then
   *     is answered with {@code failOpen}; zero: none, a decision is waited for as long as it takes
   */
  public PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder,
      DecisionLog log,
      Duration replyTimeout) {
    this(policies, clock, trustTestTime, failOpen, metrics, recorder, log, replyTimeout, DEADLINES);
  }

  PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder,
      DecisionLog log,
      Duration replyTimeout,
      Timer timer) {
    this(
        policies,
        clock,
        trustTestTime,
        failOpen,
        metrics,
        recorder,
        log,
        replyTimeout,
        timer,
        null,
        null);
  }

  /**
   * {@code shared}: the chain whose counters this one shares, or null for its own; {@code sets}:
   * the policy sets, or null.
   */
  private PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder,
      DecisionLog log,
      Duration replyTimeout,
      Timer timer,
      PolicyChain shared,
      PolicySets sets) {
    if (replyTimeout.isNegative()) {
      throw new IllegalArgumentException("reply timeout must be >= 0, got " + replyTimeout);
    }
    this.decisions = log;
    this.policies = List.copyOf(policies);
    this.clock = clock;
    this.trustTestTime = trustTestTime;
    this.failOpen = failOpen;
    this.metrics = metrics;
    this.recorder = recorder;
    this.replyTimeout = replyTimeout;
    this.timeoutNanos = replyTimeout.toNanos();
    this.timer = timer;
    this.sets = sets;
    this.failures = shared == null ? new AtomicLong() : shared.failures;
    this.lastFailureLog = shared == null ? new AtomicLong(Long.MIN_VALUE) : shared.lastFailureLog;
    this.lastTimeoutLog = shared == null ? new AtomicLong(Long.MIN_VALUE) : shared.lastTimeoutLog;
    this.abandoned = shared == null ? new AtomicInteger() : shared.abandoned;
  }

  /**
   * This chain with this reply deadline (see the constructor): the same policies, and the same
   * counters ({@link #failures()}, late decisions under way), so either may be asked.
   */
  public PolicyChain withReplyTimeout(Duration timeout) {
    return new PolicyChain(this, timeout, sets);
  }

  /**
   * This chain answering each request with the policy set its {@code policy_context} names (the
   * default set when it names none), its decision lines naming the set; the same counters.
   */
  public PolicyChain withPolicySets(PolicySets sets) {
    return new PolicyChain(this, replyTimeout, sets);
  }

  private PolicyChain(PolicyChain base, Duration replyTimeout, PolicySets sets) {
    this(
        base.policies,
        base.clock,
        base.trustTestTime,
        base.failOpen,
        base.metrics,
        base.recorder,
        base.decisions,
        replyTimeout,
        base.timer,
        base,
        sets);
  }

  /**
   * The name of the policy set that answers {@code request} ({@link PolicySets#DEFAULT} when its
   * context names none), or null when no set is declared.
   */
  public String policySetOf(PolicyRequest request) {
    return sets == null ? null : sets.nameFor(request);
  }

  public Duration replyTimeout() {
    return replyTimeout;
  }

  public List<Policy> policies() {
    return policies;
  }

  @Override
  public CompletionStage<Outcome> decide(PolicyRequest request) {
    long started = System.nanoTime();
    placement.saw(request);
    PolicySets.Chosen chosen = sets == null ? null : sets.choose(request);
    List<Policy> chain = chosen == null ? policies : chosen.set().policies();
    PolicyContext context = new PolicyContext(request, now(request), placement);
    if (timeoutNanos > 0 && abandoned.get() >= MAX_ABANDONED) {
      // the store has not answered the last ones either: no further call to it
      return CompletableFuture.completedFuture(timedOut(context, chosen, true));
    }
    CompletableFuture<Outcome> run;
    try {
      run = run(chain, 0, context);
    } catch (RuntimeException e) {
      run = CompletableFuture.failedFuture(e);
    }
    if (run.isDone()) {
      Outcome outcome = outcome(run);
      record(request, context.now(), outcome, System.nanoTime() - started, chosen);
      return CompletableFuture.completedFuture(outcome);
    }
    Pending answer = new Pending(context, chosen, started);
    if (timeoutNanos > 0) answer.deadline = timer.schedule(answer::late, timeoutNanos);
    CompletableFuture<Outcome> pending = run;
    run.whenComplete((o, e) -> answer.decided(pending));
    return answer;
  }

  /**
   * The answer to a decision that did not complete at once: the decision's outcome or, at the
   * deadline, the fail-open one, whichever comes first. Completes once; the other is dropped.
   */
  private final class Pending extends CompletableFuture<Outcome> {
    private static final int UNDER_WAY = 0;
    private static final int DECIDED = 1;
    private static final int LATE = 2;

    private final PolicyContext context;
    private final PolicySets.Chosen chosen;
    private final long started;
    private final AtomicInteger state = new AtomicInteger(UNDER_WAY);
    volatile Future<?> deadline;

    Pending(PolicyContext context, PolicySets.Chosen chosen, long started) {
      this.context = context;
      this.chosen = chosen;
      this.started = started;
    }

    /** The decision completed (any thread). */
    void decided(CompletableFuture<Outcome> run) {
      Outcome outcome;
      try {
        outcome = outcome(run);
      } catch (Error e) {
        if (state.compareAndSet(UNDER_WAY, DECIDED)) {
          cancelDeadline();
          completeExceptionally(e); // the server logs it and closes that connection
        } else {
          abandoned.decrementAndGet(); // answered at the deadline; the store is done with it
        }
        return;
      }
      if (!state.compareAndSet(UNDER_WAY, DECIDED)) {
        abandoned.decrementAndGet(); // answered at the deadline; the store is done with it now
        log.debug("late decision after its deadline, not counted: {}", outcome.note().reasonText());
        return;
      }
      cancelDeadline();
      try {
        record(context.request(), context.now(), outcome, System.nanoTime() - started, chosen);
      } catch (Throwable e) {
        completeExceptionally(e); // logging itself broke: the server closes the connection
        return;
      }
      complete(outcome);
    }

    /** The deadline passed (the timer's thread). */
    void late() {
      if (!state.compareAndSet(UNDER_WAY, LATE)) return;
      abandoned.incrementAndGet();
      try {
        complete(timedOut(context, chosen, false));
      } catch (Throwable e) {
        completeExceptionally(e); // logging itself broke: the server closes the connection
      }
    }

    private void cancelDeadline() {
      Future<?> d = deadline;
      if (d != null) d.cancel(false);
    }
  }

  /** Runs policies from {@code i} on; stays on this thread while stages are already complete. */
  private CompletableFuture<Outcome> run(List<Policy> chain, int i, PolicyContext context) {
    for (; i < chain.size(); i++) {
      CompletableFuture<Optional<Outcome>> f = chain.get(i).evaluate(context).toCompletableFuture();
      if (f.isDone() && !f.isCompletedExceptionally()) {
        Optional<Outcome> o = f.join();
        if (o.isPresent()) return CompletableFuture.completedFuture(o.get());
        continue;
      }
      int next = i + 1;
      return f.thenCompose(
          o ->
              o.isPresent()
                  ? CompletableFuture.completedFuture(o.get())
                  : run(chain, next, context));
    }
    String why = context.notApplicableReason();
    return CompletableFuture.completedFuture(
        new Outcome.Dunno(
            why == null
                ? PolicyReasons.NO_POLICY_DECIDED.note("pass")
                : PolicyReasons.NOT_APPLICABLE.note("pass", why)));
  }

  /** The outcome of a completed run: its own, or fail-open when it failed (an Error is thrown). */
  private Outcome outcome(CompletableFuture<Outcome> run) {
    try {
      return run.join();
    } catch (CompletionException e) {
      return failed(e.getCause() == null ? e : e.getCause());
    } catch (java.util.concurrent.CancellationException e) {
      return failed(e);
    }
  }

  private Outcome failed(Throwable cause) {
    if (cause instanceof Error error) {
      throw error; // not ours to hide: the connection is closed and the error logged there
    }
    long n = failures.incrementAndGet();
    String kind;
    if (cause instanceof StoreException s) {
      kind = s.kind();
      metrics.storeFault(kind);
      metrics.failOpen("store " + kind);
    } else {
      kind = "error";
      metrics.failOpen("error");
    }
    long last = lastFailureLog.get();
    long wall = clock.millis() / 1000;
    if ((last == Long.MIN_VALUE || wall - last >= FAILURE_LOG_INTERVAL)
        && lastFailureLog.compareAndSet(last, wall)) {
      if (cause instanceof StoreException) {
        log.error(
            "store {}, answering {} (fail-open; {} failures so far): {}",
            kind,
            org.greygate.protocol.PolicyReply.action(failOpen),
            n,
            cause.getMessage());
      } else {
        log.error(
            "decision failed, answering {} (fail-open; {} failures so far)",
            org.greygate.protocol.PolicyReply.action(failOpen),
            n,
            cause);
      }
    }
    return failOpen.withNote(
        failOpenNote(cause instanceof StoreException ? "store " + kind : "error"));
  }

  /**
   * The fail-open answer for a request not decided by its deadline ({@code atOnce}: not even asked,
   * too many late decisions under way), logged and counted once.
   */
  private Outcome timedOut(PolicyContext context, PolicySets.Chosen chosen, boolean atOnce) {
    metrics.replyTimeout();
    metrics.failOpen("timeout");
    Outcome outcome = failOpen.withNote(failOpenNote("reply timeout"));
    long last = lastTimeoutLog.get();
    long wall = clock.millis() / 1000;
    if ((last == Long.MIN_VALUE || wall - last >= FAILURE_LOG_INTERVAL)
        && lastTimeoutLog.compareAndSet(last, wall)) {
      log.warn(
          "no decision within {} ms{} for a request from {}: answered {} (the next such warning in"
              + " a minute at the earliest; every one is counted)",
          replyTimeout.toMillis(),
          atOnce ? " (" + abandoned.get() + " late decisions still under way)" : "",
          DecisionLog.clean(String.valueOf(context.request().clientAddress())),
          org.greygate.protocol.PolicyReply.action(failOpen));
    }
    record(context.request(), context.now(), outcome, -1, chosen);
    return outcome;
  }

  private void record(
      PolicyRequest request, long now, Outcome outcome, long nanos, PolicySets.Chosen chosen) {
    Outcome.Note note = outcome.note();
    decisions.log(request, outcome, chosen == null ? null : chosen.set().name());
    if (nanos >= 0) {
      metrics.decision(outcome.kind(), note.reason(), nanos);
    }
    if (chosen != null) sets.decided(chosen);
    try {
      recorder.record(now, outcome.kind(), note.reason());
    } catch (RuntimeException e) {
      log.debug("decision counter not kept", e);
    }
  }

  /** The log's action for a fail-open answer: what Postfix is actually told. */
  private Outcome.Note failOpenNote(String why) {
    boolean passes =
        failOpen instanceof Outcome.Dunno
            || failOpen instanceof Outcome.Ok
            || failOpen instanceof Outcome.Prepend
            || failOpen instanceof Outcome.Warn;
    return PolicyReasons.FAIL_OPEN.note(passes ? "pass" : failOpen.kind(), why);
  }

  /** Decisions answered at their deadline and still under way now. */
  int lateDecisionsUnderWay() {
    return abandoned.get();
  }

  /** Store faults and policy errors answered with the fail-open outcome so far. */
  public long failures() {
    return failures.get();
  }

  private long now(PolicyRequest request) {
    if (trustTestTime) {
      String t = request.get("policy_test_time");
      if (t != null && !t.isEmpty()) {
        try {
          return Long.parseLong(t.strip());
        } catch (NumberFormatException e) {
          log.warn("ignoring unparsable policy_test_time '{}'", DecisionLog.clean(t));
        }
      }
    }
    return clock.millis() / 1000;
  }
}
