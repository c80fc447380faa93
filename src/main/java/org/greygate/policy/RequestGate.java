package org.greygate.policy;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.greygate.protocol.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in every chain: only {@code request=smtpd_access_policy} goes on; anything else is answered
 * DUNNO at once (Postgrey sends no answer at all, which leaves the client hanging).
 */
public final class RequestGate implements Policy {
  private static final Logger log = LoggerFactory.getLogger(RequestGate.class);
  static final Outcome UNKNOWN = new Outcome.Dunno(PolicyReasons.UNKNOWN_REQUEST.note("pass"));

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    String type = context.request().request();
    if ("smtpd_access_policy".equals(type)) {
      return NO_OPINION;
    }
    log.warn(
        "unrecognized request type '{}': answering DUNNO", DecisionLog.clean(String.valueOf(type)));
    return Policy.answer(UNKNOWN);
  }
}
