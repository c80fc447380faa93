package org.greygate.policy;

import java.util.List;

/** The reasons the chain itself logs, when no policy decides or a decision fails. */
public final class PolicyReasons {
  private PolicyReasons() {}

  /** A request other than {@code smtpd_access_policy} ({@link RequestGate}). */
  public static final Reason UNKNOWN_REQUEST = Reason.of("unknown request", Category.OTHER);

  /** Every policy had no opinion and none said why. */
  public static final Reason NO_POLICY_DECIDED = Reason.of("no policy decided", Category.OTHER);

  /** Every policy had no opinion: not a recipient check (the detail says why). */
  public static final Reason NOT_APPLICABLE = Reason.of("not applicable", Category.OTHER);

  /** The store failed, a policy failed or the answer was late: the configured fail-open answer. */
  public static final Reason FAIL_OPEN = Reason.of("fail-open", Category.FAIL_OPEN);

  /** {@code greygate responder}'s constant answer. */
  public static final Reason RESPONDER = Reason.of("responder", Category.OTHER);

  public static final List<Reason> ALL =
      List.of(UNKNOWN_REQUEST, NO_POLICY_DECIDED, NOT_APPLICABLE, FAIL_OPEN, RESPONDER);
}
