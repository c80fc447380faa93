package org.greygate.protocol;

import java.nio.charset.StandardCharsets;

/** Encodes replies: {@code action=TEXT\n\n}, with TEXT made safe for the wire. */
public final class PolicyReply {
  private PolicyReply() {}

  /**
   * The wire bytes for an action. Control characters (CR, LF, NUL, ...) in {@code action} become
   * spaces: a reply can never end early or smuggle a second reply, whatever configuration or
   * request values went into it.
   */
  public static byte[] encode(String action) {
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
