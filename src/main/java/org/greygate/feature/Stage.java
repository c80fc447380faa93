package org.greygate.feature;

/**
 * Where a feature's policy sits in the chain. The chain asks the stages in this order (within a
 * stage, in the order the features are registered); the first policy with an opinion decides.
 */
public enum Stage {
  /** Outbound limits at DATA and END-OF-MESSAGE, before anything can whitelist the message. */
  OUTBOUND,
  /** The client and recipient whitelists (the daemon's own). */
  WHITELISTS,
  /** What a recipient domain asks for: greylisting off, its own delay, allowed senders. */
  RECIPIENT_POLICY,
  /** What others say of the client (DNS allow and block lists). */
  CLIENT_REPUTATION,
  /** How a triplet is keyed (SPF grouping of a sender's pool). */
  GREYLIST_KEYING,
  /** The auto-whitelist and greylisting (the daemon's own). */
  GREYLISTING
}
