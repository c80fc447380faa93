package org.greygate.greylist;

/**
 * An answer and why.
 *
 * @param verdict the class of answer
 * @param action what Postfix is told, e.g. {@code DUNNO} or {@code DEFER_IF_PERMIT Greylisted...}
 * @param reason the log reason in Postgrey's words ({@code new}, {@code early-retry (42s missing)},
 *     {@code triplet found}, {@code client whitelist}, {@code recipient whitelist}, {@code client
 *     AWL}), or for NOT_APPLICABLE why not
 * @param detail extra log field such as {@code delay=312}, or {@code null}
 * @param newlyWhitelistedClient the client reached the auto-whitelist threshold with this request
 */
public record Decision(
    Verdict verdict, String action, String reason, String detail, boolean newlyWhitelistedClient) {

  public static Decision notApplicable(String why) {
    return new Decision(Verdict.NOT_APPLICABLE, "DUNNO", why, null, false);
  }

  static Decision pass(String reason) {
    return new Decision(Verdict.PASS, "DUNNO", reason, null, false);
  }

  /** {@code greylist} or {@code pass}, as Postgrey logs it. */
  public String logAction() {
    return verdict == Verdict.GREYLIST ? "greylist" : "pass";
  }
}
