package org.greygate.policy;

/**
 * What the policies before greylisting tell it about one request, without deciding it: group the
 * triplet by a sender domain instead of the client's address (SPF said the client may send for that
 * domain), use another delay (the recipient domain's), leave the client auto-whitelist out (a
 * client the recipient domain never trusts by count alone). Absent: greylist as configured.
 *
 * <p>Per request, handed along the chain like the {@link PolicyContext} it lives in.
 */
public final class GreylistHints {
  private static final ContextKey<GreylistHints> KEY = ContextKey.named("greylist hints");

  private String clientGroup;
  private long delay = -1;
  private boolean noAutoWhitelist;

  private GreylistHints() {}

  /** The request's hints, created empty on first use (by a policy that has one to give). */
  public static GreylistHints of(PolicyContext context) {
    return context.computeIfAbsent(KEY, c -> new GreylistHints());
  }

  /** The request's hints, or null when no policy gave any. */
  public static GreylistHints find(PolicyContext context) {
    return context.get(KEY);
  }

  /** Key the triplet by this sender domain instead of the client's network. */
  public void groupBy(String senderDomain) {
    this.clientGroup = senderDomain;
  }

  /** The sender domain the triplet is keyed by, or null (by the client's network). */
  public String clientGroup() {
    return clientGroup;
  }

  /** Greylist for {@code seconds} instead of the configured delay. */
  public void delay(long seconds) {
    if (seconds < 0) throw new IllegalArgumentException("delay must be >= 0, got " + seconds);
    this.delay = seconds;
  }

  /** The delay to use, or -1 for the configured one. */
  public long delay() {
    return delay;
  }

  /** Neither pass this client by its auto-whitelist count nor count this pass towards it. */
  public void noAutoWhitelist() {
    this.noAutoWhitelist = true;
  }

  public boolean autoWhitelistOff() {
    return noAutoWhitelist;
  }
}
