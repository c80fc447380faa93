package org.greygate.policy;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.greygate.protocol.Outcome;

/**
 * One step of the chain: an outcome, or "no opinion, go on" (an empty optional). A policy that does
 * not apply to a request (another protocol state, attributes missing) has no opinion.
 *
 * <p>Implementations are immutable and thread-safe; {@code evaluate} must not block (it may run on
 * a network thread): anything slow is a {@link CompletionStage} that completes later. A {@link
 * org.greygate.store.StoreException}, thrown or completed with, makes the chain fail open.
 */
public interface Policy {
  CompletionStage<Optional<Outcome>> evaluate(PolicyContext context);

  /** Already decided: no opinion. */
  CompletionStage<Optional<Outcome>> NO_OPINION =
      java.util.concurrent.CompletableFuture.completedFuture(Optional.empty());

  /** Already decided: this outcome. */
  static CompletionStage<Optional<Outcome>> answer(Outcome outcome) {
    return java.util.concurrent.CompletableFuture.completedFuture(Optional.of(outcome));
  }
}
