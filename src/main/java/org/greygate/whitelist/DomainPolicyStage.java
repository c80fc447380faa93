package org.greygate.whitelist;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.greygate.policy.GreylistHints;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.policy.Reason;
import org.greygate.protocol.Outcome;

/**
 * Applies the recipient domain's policy ({@link DomainPolicies}): passes mail to a domain that is
 * not greylisted ({@code reason=domain policy}) or from a sender it allows ({@code reason=sender
 * whitelist}); otherwise tells greylisting the domain's delay and whether the client's
 * auto-whitelist counts. Reads the policies as they are now: a reload swaps them whole.
 */
public final class DomainPolicyStage implements Policy {
  private final Supplier<Whitelists> whitelists;

  public DomainPolicyStage(Supplier<Whitelists> whitelists) {
    this.whitelists = whitelists;
  }

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    DomainPolicies policies = whitelists.get().domains();
    if (policies.isEmpty()) return NO_OPINION;
    Optional<RcptCheck> rcpt = RcptCheck.of(context);
    if (rcpt.isEmpty()) return NO_OPINION;
    RcptCheck r = rcpt.get();
    int at = r.recipient().lastIndexOf('@');
    String domain = r.recipient().substring(at + 1).toLowerCase(Locale.ROOT);
    DomainPolicies.Resolved p = policies.forDomain(domain);
    if (p == null) return NO_OPINION;
    if (!p.greylist()) {
      return pass(WhitelistReasons.DOMAIN_POLICY, List.of("domain_policy=" + p.greylistEntry()));
    }
    String sender = p.senderMatch(r.sender());
    if (sender != null)
      return pass(WhitelistReasons.SENDER_WHITELIST, List.of("whitelist=" + sender));
    if (p.delay() >= 0) GreylistHints.of(context).delay(p.delay());
    if (p.neverAwlMatch(r.clientName(), r.client()) != null) {
      GreylistHints.of(context).noAutoWhitelist();
    }
    return NO_OPINION;
  }

  private static CompletionStage<Optional<Outcome>> pass(Reason reason, List<String> fields) {
    return Policy.answer(new Outcome.Dunno(reason.note("pass", null, fields)));
  }
}
