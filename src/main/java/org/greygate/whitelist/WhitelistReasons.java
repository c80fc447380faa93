package org.greygate.whitelist;

import java.util.List;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;

/** The reasons the whitelists and the recipient domains' policies log; each names its entry. */
public final class WhitelistReasons {
  private WhitelistReasons() {}

  public static final Reason CLIENT_WHITELIST =
      Reason.of("client whitelist", Category.WHITELISTED).naming("whitelist", "clients");

  public static final Reason RECIPIENT_WHITELIST =
      Reason.of("recipient whitelist", Category.WHITELISTED).naming("whitelist", "recipients");

  /** The recipient domain's {@code allow-sender}. */
  public static final Reason SENDER_WHITELIST =
      Reason.of("sender whitelist", Category.WHITELISTED).naming("whitelist", "allow-sender");

  /** The recipient domain's {@code greylist=off}. */
  public static final Reason DOMAIN_POLICY =
      Reason.of("domain policy", Category.WHITELISTED).naming("domain_policy", "greylist=off");

  public static final List<Reason> ALL =
      List.of(CLIENT_WHITELIST, RECIPIENT_WHITELIST, SENDER_WHITELIST, DOMAIN_POLICY);
}
