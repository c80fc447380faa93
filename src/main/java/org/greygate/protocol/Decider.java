package org.greygate.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the server asks for each request. The server owns the wire; the decider owns every decision,
 * including its deadline: the stage it returns completes, once, with the answer to write (the
 * fail-open one when the decision was late), and the server writes it, in request order.
 */
public interface Decider {
  /**
   * The answer to one request. May complete before it returns (then the server answers on the spot)
   * or later on any thread, at the latest at the decider's deadline if it has one. May throw or
   * complete exceptionally only for a bug: the server then logs it and closes that connection.
   */
  CompletionStage<Outcome> decide(PolicyRequest request);

  /** A decider that answers every request with {@code outcome}, at once. */
  static Decider constant(Outcome outcome) {
    CompletableFuture<Outcome> done = CompletableFuture.completedFuture(outcome);
    return request -> done;
  }
}
