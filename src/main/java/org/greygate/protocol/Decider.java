package org.greygate.protocol;

import java.util.concurrent.CompletionStage;

/**
 * What the server asks for each request. The server owns the wire and the deadline; the decider
 * owns every decision, including the answer when the deadline passes.
 */
public interface Decider {
  /**
   * The answer to one request. May complete before it returns (then the server answers on the spot)
   * or later on any thread. May throw or complete exceptionally only for a bug: the server then
   * logs it and closes that connection.
   */
  CompletionStage<Outcome> decide(PolicyRequest request);

  /**
   * The answer for a request whose decision was not ready by its deadline (the fail-open answer),
   * noted and counted by the decider. Must not block or throw.
   */
  Outcome timedOut(PolicyRequest request);

  /** A decider that answers every request with {@code outcome}, at once. */
  static Decider constant(Outcome outcome) {
    java.util.concurrent.CompletableFuture<Outcome> done =
        java.util.concurrent.CompletableFuture.completedFuture(outcome);
    return new Decider() {
      @Override
      public CompletionStage<Outcome> decide(PolicyRequest request) {
        return done;
      }

      @Override
      public Outcome timedOut(PolicyRequest request) {
        return outcome;
      }
    };
  }
}
