package org.greygate.policy;

import java.util.Optional;
import org.greygate.inet.IpAddress;

/**
 * The attributes the recipient-time policies (whitelists, auto-whitelist, greylist) work on,
 * checked once per request: a request at {@code protocol_state=RCPT} (or none given, as Exim's ACLs
 * send) with client name, client address (a literal IP), sender and recipient present.
 *
 * @param clientName as Postfix sent it ({@code unknown} when the client has no name)
 */
public record RcptCheck(String clientName, IpAddress client, String sender, String recipient) {
  private static final ContextKey<Optional<RcptCheck>> KEY = ContextKey.named("recipient check");

  /** The request's recipient check, or empty (with the reason noted) when it is not one. */
  public static Optional<RcptCheck> of(PolicyContext context) {
    return context.computeIfAbsent(KEY, RcptCheck::parse);
  }

  private static Optional<RcptCheck> parse(PolicyContext context) {
    var r = context.request();
    String state = r.protocolState();
    if (state != null && !state.isEmpty() && !state.equalsIgnoreCase("RCPT")) {
      context.placement().greylistingNotAtRcpt(state);
      context.notApplicable("protocol_state=" + state);
      return Optional.empty();
    }
    String missing =
        r.clientAddress() == null
            ? "client_address"
            : r.clientName() == null
                ? "client_name"
                : r.recipient() == null ? "recipient" : r.sender() == null ? "sender" : null;
    if (missing != null) {
      if (r.clientAddress() == null) context.placement().noClientAddress();
      context.notApplicable("attribute missing: " + missing);
      return Optional.empty();
    }
    IpAddress ip = IpAddress.parse(r.clientAddress());
    if (ip == null) {
      context.notApplicable("unparsable client_address");
      return Optional.empty();
    }
    return Optional.of(new RcptCheck(r.clientName(), ip, r.sender(), r.recipient()));
  }
}
