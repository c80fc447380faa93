package org.greygate.policy;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.greygate.greylist.Decision;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.Verdict;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.StoreException;
import org.greygate.whitelist.Whitelists;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one policy request. Never throws: a store fault gets the fail-open action, logged once a
 * minute at most, so mail keeps flowing while greylisting is broken. Thread-safe.
 */
public final class PolicyService {
  private static final Logger log = LoggerFactory.getLogger(PolicyService.class);
  private static final long FAILURE_LOG_INTERVAL = 60;

  private final GreylistEngine engine;
  private final Supplier<Whitelists> whitelists;
  private final Clock clock;
  private final boolean trustTestTime;
  private final String failureAction;
  private final DecisionLog decisions = new DecisionLog();
  private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong failures = new AtomicLong();
  private final java.util.EnumMap<Verdict, java.util.concurrent.atomic.LongAdder> verdicts =
      new java.util.EnumMap<>(Verdict.class);
  private final java.util.concurrent.atomic.LongAdder whitelisted =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * @param trustTestTime honour the {@code policy_test_time} attribute (tests only: a client could
   *     otherwise pick the time and skip the delay)
   * @param failureAction the answer when the store fails, e.g. {@code DUNNO}
   */
  public PolicyService(
      GreylistEngine engine,
      Supplier<Whitelists> whitelists,
      Clock clock,
      boolean trustTestTime,
      String failureAction) {
    this.engine = engine;
    this.whitelists = whitelists;
    this.clock = clock;
    this.trustTestTime = trustTestTime;
    this.failureAction = failureAction;
    for (Verdict v : Verdict.values()) {
      verdicts.put(v, new java.util.concurrent.atomic.LongAdder());
    }
  }

  /** The action text for the reply ({@code DUNNO}, {@code DEFER_IF_PERMIT ...}, ...). */
  public String answer(PolicyRequest request) {
    String type = request.request();
    if (!"smtpd_access_policy".equals(type)) {
      log.warn(
          "unrecognized request type '{}': answering DUNNO",
          DecisionLog.clean(String.valueOf(type)));
      return "DUNNO";
    }
    long now = now(request);
    try {
      Decision decision = engine.decide(request, now, whitelists.get());
      verdicts.get(decision.verdict()).increment();
      if (decision.verdict() == Verdict.PASS && !"triplet found".equals(decision.reason())) {
        whitelisted.increment();
      }
      decisions.log(request, decision);
      if (decision.newlyWhitelistedClient()) {
        log.info(
            "whitelisted: {}[{}]",
            DecisionLog.clean(String.valueOf(request.clientName())),
            DecisionLog.clean(String.valueOf(request.clientAddress())));
      }
      return decision.action();
    } catch (StoreException e) {
      failures.incrementAndGet();
      long last = lastFailureLog.get();
      long wall = clock.millis() / 1000;
      if (wall - last >= FAILURE_LOG_INTERVAL && lastFailureLog.compareAndSet(last, wall)) {
        log.error(
            "store failure, answering {} (fail-open; {} failures so far): {}",
            failureAction,
            failures.get(),
            e.getMessage());
      }
      return failureAction;
    }
  }

  /** Answers of one class so far. */
  public long count(Verdict verdict) {
    return verdicts.get(verdict).sum();
  }

  /** Passes by a client or recipient whitelist or the client auto-whitelist. */
  public long whitelisted() {
    return whitelisted.sum();
  }

  /** Requests answered with the fail-open action because the store failed. */
  public long storeFailures() {
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
