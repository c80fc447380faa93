package org.greygate.testing;

import java.time.Clock;
import java.time.ZoneId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.greygate.app.ChainFactory;
import org.greygate.app.PolicyConfig;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Actions;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;

/** The decision side as the daemon wires it, and simple deciders, for in-process server tests. */
public final class TestPolicy {
  private TestPolicy() {}

  /**
   * The daemon's chain on {@code store}: no whitelists, UTC, DUNNO on failure.
   *
   * @param trustTestTime honour policy_test_time (tests that set the clock per request)
   */
  public static PolicyChain chain(
      TripletStore store, GreylistConfig config, boolean trustTestTime) {
    return chain(store, config, trustTestTime, Metrics.NONE);
  }

  public static PolicyChain chain(
      TripletStore store, GreylistConfig config, boolean trustTestTime, Metrics metrics) {
    return ChainFactory.create(
        new PolicyConfig(config, PolicyConfig.DUNNO, trustTestTime, 1000, ZoneId.of("UTC"), "test"),
        store,
        () -> Whitelists.EMPTY,
        KeyHasher.PLAIN,
        Clock.systemUTC(),
        metrics);
  }

  /** An outcome for an access(5) action text. */
  public static Outcome outcome(String action) {
    return Actions.parse(action, Outcome.Note.of("pass", "test"));
  }

  /** Answers at once with the action {@code answer} gives; times out to DUNNO. */
  public static Decider sync(Function<PolicyRequest, String> answer) {
    return new Decider() {
      @Override
      public CompletableFuture<Outcome> decide(PolicyRequest request) {
        return CompletableFuture.completedFuture(outcome(answer.apply(request)));
      }

      @Override
      public Outcome timedOut(PolicyRequest request) {
        return outcome("DUNNO");
      }
    };
  }

  /**
   * Decides on {@code executor}, as a store on the network would (the answer may take its time
   * there); times out to DUNNO.
   */
  public static Decider async(Function<PolicyRequest, String> answer, Executor executor) {
    return new Decider() {
      @Override
      public CompletableFuture<Outcome> decide(PolicyRequest request) {
        return CompletableFuture.supplyAsync(() -> outcome(answer.apply(request)), executor);
      }

      @Override
      public Outcome timedOut(PolicyRequest request) {
        return outcome("DUNNO");
      }
    };
  }
}
