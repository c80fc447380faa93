package org.greygate.protocol;

import java.util.Locale;

/**
 * Reads an access(5) action from configuration ({@code DEFER_IF_PERMIT}, {@code 450 try later},
 * {@code DUNNO}, ...) into an {@link Outcome}, refusing what Postfix would not understand: a typo
 * in a configured action must stop the daemon at start, not reach Postfix, which answers a reply it
 * cannot parse with "451 4.3.5 Server configuration problem" for every message.
 */
public final class Actions {
  private Actions() {}

  /** The verbs a temporary refusal may use (plus 4NN codes). */
  public static final String DEFERRALS = "DEFER_IF_PERMIT, DEFER_IF_REJECT, DEFER or a 4NN code";

  /**
   * Any supported action: OK, DUNNO, PREPEND header, DEFER_IF_PERMIT, DEFER_IF_REJECT, DEFER, 4NN,
   * REJECT, 5NN, HOLD, DISCARD, WARN; verbs are case-insensitive, as in Postfix.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Outcome parse(String action, Outcome.Note note) {
    String a = action == null ? "" : action.strip();
    if (a.isEmpty()) {
      throw new IllegalArgumentException("an action is needed (e.g. DUNNO or DEFER_IF_PERMIT)");
    }
    if (a.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("'" + a + "' contains control characters");
    }
    int space = a.indexOf(' ');
    String verb = (space < 0 ? a : a.substring(0, space)).toUpperCase(Locale.ROOT);
    String text = space < 0 ? "" : a.substring(space + 1).strip();
    if (verb.length() == 3 && verb.chars().allMatch(Character::isDigit)) {
      char c = verb.charAt(0);
      if (c == '4') return new Outcome.Defer(verb, text, note);
      if (c == '5') return new Outcome.Reject(verb, text, note);
      throw new IllegalArgumentException(
          "'" + a + "': a numeric action must be a 4NN or 5NN SMTP code");
    }
    switch (verb) {
      case "DUNNO":
        return noText(verb, text, a, new Outcome.Dunno(note));
      case "OK":
        return noText(verb, text, a, new Outcome.Ok(note));
      case "PREPEND":
        int colon = text.indexOf(':');
        if (colon <= 0 || text.substring(0, colon).contains(" ")) {
          throw new IllegalArgumentException(
              "'" + a + "': PREPEND needs a header line, e.g. 'PREPEND X-Note: value'");
        }
        return new Outcome.Prepend(text, note);
      case "DEFER_IF_PERMIT", "DEFER_IF_REJECT", "DEFER":
        return new Outcome.Defer(verb, text, note);
      case "REJECT":
        return new Outcome.Reject(verb, text, note);
      case "HOLD":
        return new Outcome.Hold(text, note);
      case "DISCARD":
        return new Outcome.Discard(text, note);
      case "WARN":
        return new Outcome.Warn(text, note);
      default:
        throw new IllegalArgumentException(
            "'"
                + a
                + "' is not an access(5) action greygate can send (use one of OK, DUNNO, PREPEND,"
                + " DEFER_IF_PERMIT, DEFER_IF_REJECT, DEFER, REJECT, HOLD, DISCARD, WARN, or a 4NN"
                + " or 5NN code)");
    }
  }

  /**
   * A temporary refusal verb alone ({@code DEFER_IF_PERMIT}, {@code DEFER}, {@code 450}, ...), as
   * {@code --greylist-action} takes it; returned upper-cased.
   *
   * @throws IllegalArgumentException if it is anything else
   */
  public static String deferralVerb(String verb) {
    String v = verb == null ? "" : verb.strip().toUpperCase(Locale.ROOT);
    boolean code = v.length() == 3 && v.charAt(0) == '4' && v.chars().allMatch(Character::isDigit);
    if (code || v.equals("DEFER_IF_PERMIT") || v.equals("DEFER_IF_REJECT") || v.equals("DEFER")) {
      return v;
    }
    throw new IllegalArgumentException(
        "'" + verb + "' is not a temporary refusal (use " + DEFERRALS + ")");
  }

  private static Outcome noText(String verb, String text, String a, Outcome o) {
    if (!text.isEmpty()) {
      throw new IllegalArgumentException("'" + a + "': " + verb + " takes no text");
    }
    return o;
  }
}
