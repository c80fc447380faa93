package org.greygate.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Encodes replies: {@code action=TEXT\n\n}. The one place where an {@link Outcome} becomes bytes,
 * with TEXT made safe for the wire.
 */
public final class PolicyReply {
  private PolicyReply() {}

  /** The wire bytes for an outcome. */
  public static byte[] encode(Outcome outcome) {
    return encode(action(outcome));
  }

  /** The action as Postfix reads it: {@code DEFER_IF_PERMIT Greylisted, ...}. */
  public static String action(Outcome outcome) {
    // Java 17 has no pattern switch: the sealed interface keeps this list complete by review, and
    // PolicyReplyTest renders every permitted subtype.
    if (outcome instanceof Outcome.Dunno) return "DUNNO";
    if (outcome instanceof Outcome.Ok) return "OK";
    if (outcome instanceof Outcome.Prepend p) return "PREPEND " + p.header();
    if (outcome instanceof Outcome.Defer d) return withText(d.verb(), d.text());
    if (outcome instanceof Outcome.Reject r) return withText(r.verb(), r.text());
    if (outcome instanceof Outcome.Hold h) return withText("HOLD", h.text());
    if (outcome instanceof Outcome.Discard d) return withText("DISCARD", d.text());
    if (outcome instanceof Outcome.Warn w) return withText("WARN", w.text());
    throw new IllegalArgumentException("unknown outcome " + outcome);
  }

  private static String withText(String verb, String text) {
    return text == null || text.isEmpty() ? verb : verb + " " + text;
  }

  /**
   * The wire bytes for an action text. Control characters (CR, LF, NUL, ...) in {@code action}
   * become spaces: a reply can never end early or smuggle a second reply, whatever configuration or
   * request values went into it.
   */
  static byte[] encode(String action) {
    return ("action=" + sanitize(action) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Replaces every ASCII control character and DEL with a space. */
  public static String sanitize(String text) {
    StringBuilder sb = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        if (sb == null) {
          sb = new StringBuilder(text);
        }
        sb.setCharAt(i, ' ');
      }
    }
    return sb == null ? text : sb.toString();
  }
}
