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

  /**
   * A recipient-time request as Postfix sends it (the attributes greylisting reads), from 192.0.2.1
   * (mx.example.org), a@example.org to {@code recipient}; a mutable map, in order.
   */
  public static java.util.Map<String, String> rcpt(String recipient) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2.1");
    m.put("client_name", "mx.example.org");
    m.put("sender", "a@example.org");
    m.put("recipient", recipient);
    return m;
  }

  /**
   * A server on 127.0.0.1, a free port, 100 connections, 60 s idle, with this reply timeout (given
   * to the chain too, as the daemon does).
   */
  public static org.greygate.server.PolicyServer loopbackServer(
      Decider decider, java.time.Duration replyTimeout, Metrics metrics) {
    return new org.greygate.server.PolicyServer(
        org.greygate.server.ServerOptions.listening(
                java.util.List.of(new org.greygate.server.ListenAddress.Inet("127.0.0.1", 0)))
            .maxConnections(100)
            .idleTimeout(java.time.Duration.ofSeconds(60))
            .replyTimeout(replyTimeout)
            .build(),
        decider instanceof PolicyChain chain ? chain.withReplyTimeout(replyTimeout) : decider,
        metrics);
  }

  /**
   * The daemon's way of answering on time: a chain whose one policy asks {@code decider}, answered
   * DUNNO ({@code fail-open (reply timeout)}) once {@code timeout} has passed.
   */
  public static PolicyChain deadline(Decider decider, java.time.Duration timeout, Metrics metrics) {
    org.greygate.policy.Policy ask =
        context -> decider.decide(context.request()).thenApply(java.util.Optional::of);
    return new PolicyChain(
        java.util.List.of(ask),
        Clock.systemUTC(),
        false,
        PolicyConfig.DUNNO,
        metrics,
        PolicyChain.DecisionRecorder.NONE,
        new org.greygate.policy.DecisionLog(),
        timeout);
  }

  /** An outcome for an access(5) action text. */
  public static Outcome outcome(String action) {
    return Actions.parse(action, Outcome.Note.of("pass", "test"));
  }

  /** Answers at once with the action {@code answer} gives. */
  public static Decider sync(Function<PolicyRequest, String> answer) {
    return new Decider() {
      @Override
      public CompletableFuture<Outcome> decide(PolicyRequest request) {
        return CompletableFuture.completedFuture(outcome(answer.apply(request)));
      }
    };
  }

  /**
   * Decides on {@code executor}, as a store on the network would (the answer may take its time
   * there); no deadline (see {@link #deadline}).
   */
  public static Decider async(Function<PolicyRequest, String> answer, Executor executor) {
    return new Decider() {
      @Override
      public CompletableFuture<Outcome> decide(PolicyRequest request) {
        return CompletableFuture.supplyAsync(() -> outcome(answer.apply(request)), executor);
      }
    };
  }
}
