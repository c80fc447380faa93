package org.greygate.whitelist;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.policy.Reason;
import org.greygate.protocol.Outcome;

/**
 * Passes a request whose client (name or address) or recipient is on the current whitelists, in
 * Postgrey's order: client first. Reads the lists as they are now: a reload swaps them whole.
 */
public final class WhitelistPolicy implements Policy {
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
    String entry = lists.clientMatch(r.clientName(), r.client());
    if (entry != null) {
      return pass(WhitelistReasons.CLIENT_WHITELIST, entry);
    }
    entry = lists.recipientMatch(r.recipient());
    if (entry != null) {
      return pass(WhitelistReasons.RECIPIENT_WHITELIST, entry);
    }
    return NO_OPINION;
  }

  /**
   * The entry is logged after the reason ({@code reason=client whitelist, whitelist=example.org})
   * so that {@code greygate report} can say which entries earn their place; entries hold no spaces,
   * so the line keeps its shape.
   */
  private static CompletionStage<Optional<Outcome>> pass(Reason reason, String entry) {
    return CompletableFuture.completedFuture(
        Optional.of(
            new Outcome.Dunno(
                reason.note("pass", null, List.of(reason.entryField() + "=" + entry)))));
  }
}
