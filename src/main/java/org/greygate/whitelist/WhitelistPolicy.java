package org.greygate.whitelist;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.protocol.Outcome;

/**
 * Passes a request whose client (name or address) or recipient is on the current whitelists, in
 * Postgrey's order: client first. Reads the lists as they are now: a reload swaps them whole.
 */
public final class WhitelistPolicy implements Policy {
  private static final Optional<Outcome> CLIENT =
      Optional.of(new Outcome.Dunno(Outcome.Note.of("pass", "client whitelist")));
  private static final Optional<Outcome> RECIPIENT =
      Optional.of(new Outcome.Dunno(Outcome.Note.of("pass", "recipient whitelist")));

  private final Supplier<Whitelists> whitelists;

  public WhitelistPolicy(Supplier<Whitelists> whitelists) {
    this.whitelists = whitelists;
  }

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    Optional<RcptCheck> rcpt = RcptCheck.of(context);
    if (rcpt.isEmpty()) return NO_OPINION;
    Whitelists lists = whitelists.get();
    RcptCheck r = rcpt.get();
    if (lists.matchesClient(r.clientName(), r.client())) {
      return java.util.concurrent.CompletableFuture.completedFuture(CLIENT);
    }
    if (lists.matchesRecipient(r.recipient())) {
      return java.util.concurrent.CompletableFuture.completedFuture(RECIPIENT);
    }
    return NO_OPINION;
  }
}
