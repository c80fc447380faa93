package org.greygate.policy;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
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
  private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong failures = new AtomicLong();

  /** Decisions under way that did not complete at once, so that a timeout can find them. */
  private final java.util.Map<Identity, PolicyContext> async =
      new java.util.concurrent.ConcurrentHashMap<>();

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

  /** With the decision lines in {@code log}'s format. */
  public PolicyChain(
      List<Policy> policies,
      Clock clock,
      boolean trustTestTime,
      Outcome failOpen,
      Metrics metrics,
      DecisionRecorder recorder,
      DecisionLog log) {
    this.decisions = log;
    this.policies = List.copyOf(policies);
    this.clock = clock;
    this.trustTestTime = trustTestTime;
    this.failOpen = failOpen;
    this.metrics = metrics;
    this.recorder = recorder;
  }

  public List<Policy> policies() {
    return policies;
  }

  @Override
  public CompletionStage<Outcome> decide(PolicyRequest request) {
    long started = System.nanoTime();
    PolicyContext context = new PolicyContext(request, now(request));
    CompletableFuture<Outcome> run;
    try {
      run = run(0, context);
    } catch (RuntimeException e) {
      run = CompletableFuture.failedFuture(e);
    }
    if (run.isDone()) {
      return CompletableFuture.completedFuture(finish(context, run, started));
    }
    // a decision that completes later: the server may answer it at its deadline instead
    Identity id = new Identity(request);
    async.put(id, context);
    CompletableFuture<Outcome> pending = run;
    return run.handle(
        (o, e) -> {
          async.remove(id, context);
          return finish(context, pending, started);
        });
  }

  /** Runs policies from {@code i} on; stays on this thread while stages are already complete. */
  private CompletableFuture<Outcome> run(int i, PolicyContext context) {
    for (; i < policies.size(); i++) {
      CompletableFuture<Optional<Outcome>> f =
          policies.get(i).evaluate(context).toCompletableFuture();
      if (f.isDone() && !f.isCompletedExceptionally()) {
        Optional<Outcome> o = f.join();
        if (o.isPresent()) return CompletableFuture.completedFuture(o.get());
        continue;
      }
      int next = i + 1;
      return f.thenCompose(
          o -> o.isPresent() ? CompletableFuture.completedFuture(o.get()) : run(next, context));
    }
    String why = context.notApplicableReason();
    return CompletableFuture.completedFuture(
        new Outcome.Dunno(
            why == null
                ? PolicyReasons.NO_POLICY_DECIDED.note("pass")
                : PolicyReasons.NOT_APPLICABLE.note("pass", why)));
  }

  private Outcome finish(PolicyContext context, CompletableFuture<Outcome> run, long started) {
    Outcome outcome;
    try {
      outcome = run.join();
    } catch (CompletionException e) {
      outcome = failed(e.getCause() == null ? e : e.getCause());
    } catch (java.util.concurrent.CancellationException e) {
      outcome = failed(e);
    }
    if (context.timedOut) {
      log.debug("late decision after its deadline, not counted: {}", outcome.note().reasonText());
    } else {
      record(context.request(), context.now(), outcome, System.nanoTime() - started);
    }
    return outcome;
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

  @Override
  public Outcome timedOut(PolicyRequest request) {
    metrics.failOpen("timeout");
    PolicyContext late = async.remove(new Identity(request));
    if (late != null) late.timedOut = true; // its own outcome, when it comes, is not recorded
    Outcome outcome = failOpen.withNote(failOpenNote("reply timeout"));
    record(request, clock.millis() / 1000, outcome, -1);
    return outcome;
  }

  private void record(PolicyRequest request, long now, Outcome outcome, long nanos) {
    Outcome.Note note = outcome.note();
    decisions.log(request, outcome);
    if (nanos >= 0) {
      metrics.decision(outcome.kind(), note.reason(), nanos);
    }
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

  /** A request by identity: two requests with the same attributes are two decisions. */
  private record Identity(PolicyRequest request) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Identity other && other.request == request;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(request);
    }
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
