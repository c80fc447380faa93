package org.greygate.policy;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.greygate.protocol.PolicyRequest;

/**
 * Tells the admin, once, when the requests show that Postfix asks greygate where a policy cannot
 * work: greylisting asked only at END-OF-MESSAGE (it decides recipient by recipient, at RCPT), rate
 * limits per message asked only at RCPT (they count at END-OF-MESSAGE, so they count nothing), a
 * request without {@code client_address} (not smtpd's). The advice is {@code greygate doctor}'s.
 *
 * <p>A site that asks greygate at both stages (greylisting at RCPT, limits at END-OF-MESSAGE) sees
 * both kinds of request in its first messages: the advice waits for {@link #PATIENCE} requests of
 * the one kind with none of the other before it speaks.
 */
public final class Placement {
  /** Requests of one stage, with none of the other yet, before the advice is given. */
  static final int PATIENCE = 50;

  /** Says nothing (tests, tools). */
  public static final Placement SILENT = new Placement(message -> {});

  private final Consumer<String> warn;
  private final LongAdder rcpt = new LongAdder();
  private final LongAdder endOfMessage = new LongAdder();
  private final LongAdder greylistLate = new LongAdder();
  private final LongAdder limitsEarly = new LongAdder();
  private final AtomicBoolean toldGreylist = new AtomicBoolean();
  private final AtomicBoolean toldLimits = new AtomicBoolean();
  private final AtomicBoolean toldClient = new AtomicBoolean();

  /**
   * @param warn where the advice goes (the daemon's log, as a warning)
   */
  public Placement(Consumer<String> warn) {
    this.warn = warn;
  }

  /** Every request, before the policies see it: which stages Postfix asks at. */
  public void saw(PolicyRequest request) {
    String state = request.protocolState();
    if (state == null) return;
    switch (state.toUpperCase(Locale.ROOT)) {
      case "RCPT" -> rcpt.increment();
      case "END-OF-MESSAGE", "DATA" -> endOfMessage.increment();
      default -> {}
    }
  }

  /** Greylisting was asked at a stage other than RCPT. */
  public void greylistingNotAtRcpt(String state) {
    if (toldGreylist.get()) return; // said, or never to be said: no more counting per request
    greylistLate.increment();
    if (greylistLate.sum() < PATIENCE) return;
    if (rcpt.sum() > 0) {
      toldGreylist.set(true); // Postfix asks at RCPT too: nothing to say, now or later
    } else if (once(toldGreylist)) {
      warn.accept(
          "greylisting is asked only at "
              + state
              + ", where it cannot decide (it works recipient by recipient, at RCPT): mail is not"
              + " greylisted. Put check_policy_service in smtpd_recipient_restrictions, after"
              + " reject_unauth_destination; greygate doctor prints the line");
    }
  }

  /** A rate limit that counts per message was skipped: the request came at RCPT. */
  public void perMessageLimitAtRcpt() {
    if (toldLimits.get()) return; // said, or never to be said: no more counting per request
    limitsEarly.increment();
    if (limitsEarly.sum() < PATIENCE) return;
    if (endOfMessage.sum() > 0) {
      toldLimits.set(true); // Postfix asks at the end of the message too: nothing to say
    } else if (once(toldLimits)) {
      warn.accept(
          "rate limits are asked only at RCPT, where a message cannot be counted: they count"
              + " nothing. Ask greygate in smtpd_end_of_data_restrictions (in master.cf, under"
              + " the submission service); greygate doctor prints the line");
    }
  }

  /** A request without client_address: no greylisting. */
  public void noClientAddress() {
    if (once(toldClient)) {
      warn.accept(
          "a request without client_address: it does not come from smtpd (check_policy_service"
              + " belongs in smtpd_*_restrictions), and is not greylisted; greygate doctor checks"
              + " where Postfix asks");
    }
  }

  private static boolean once(AtomicBoolean told) {
    return !told.get() && told.compareAndSet(false, true);
  }
}
