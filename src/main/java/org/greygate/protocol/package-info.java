/**
 * The Postfix policy delegation wire format and the contract between the server and the decision
 * side: framing with enforced limits, the immutable {@link org.greygate.protocol.PolicyRequest},
 * the sealed {@link org.greygate.protocol.Outcome} and its one encoder {@link
 * org.greygate.protocol.PolicyReply}, access(5) actions read from configuration ({@link
 * org.greygate.protocol.Actions}), and the {@link org.greygate.protocol.Decider} the server asks.
 *
 * <p>Rule: this package knows nothing of greylisting, whitelists, policies, storage or Netty.
 */
package org.greygate.protocol;
