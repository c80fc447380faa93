package org.greygate.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Encodes replies: {@code action=TEXT\n\n}. The one place where an {@link Outcome} becomes bytes
 * ({@link Encoder#encode}), with TEXT made safe for the wire: the server's reply stage, {@code
 * greygate check}'s output and the action named in log lines all come from it.
 */
public final class PolicyReply {
  private PolicyReply() {}

  /** The wire bytes for an outcome. */
  public static byte[] encode(Outcome outcome) {
    Encoder e = new Encoder();
    int n = e.encode(outcome);
    return java.util.Arrays.copyOf(e.bytes(), n);
  }

  /**
   * Encodes replies into one buffer it keeps, for a connection's many answers: the same bytes as
   * {@link #encode(Outcome)}, without building the action as a String first. Not thread-safe.
   */
  public static final class Encoder {
    private byte[] buf = new byte[256];
    private int length;

    /**
     * Encodes {@code outcome}; its bytes are {@link #bytes()} from 0 to the returned length, until
     * the next call.
     */
    public int encode(Outcome outcome) {
      // Java 17 has no pattern switch: the sealed interface keeps this list complete by review,
      // and PolicyReplyTest renders every permitted subtype.
      length = 0;
      ascii("action=");
      if (outcome instanceof Outcome.Dunno) {
        ascii("DUNNO");
      } else if (outcome instanceof Outcome.Ok) {
        ascii("OK");
      } else if (outcome instanceof Outcome.Prepend p) {
        ascii("PREPEND ");
        text(p.header());
      } else if (outcome instanceof Outcome.Defer d) {
        verbAndText(d.verb(), d.text());
      } else if (outcome instanceof Outcome.Reject r) {
        verbAndText(r.verb(), r.text());
      } else if (outcome instanceof Outcome.Hold h) {
        verbAndText("HOLD", h.text());
      } else if (outcome instanceof Outcome.Discard d) {
        verbAndText("DISCARD", d.text());
      } else if (outcome instanceof Outcome.Warn w) {
        verbAndText("WARN", w.text());
      } else {
        throw new IllegalArgumentException("unknown outcome " + outcome);
      }
      ascii("\n\n");
      return length;
    }

    public byte[] bytes() {
      return buf;
    }

    private void verbAndText(String verb, String text) {
      text(verb);
      if (text != null && !text.isEmpty()) {
        ascii(" ");
        text(text);
      }
    }

    /** A constant of ours: ASCII, no control characters but our own newlines. */
    private void ascii(String s) {
      room(s.length());
      for (int i = 0; i < s.length(); i++) {
        buf[length++] = (byte) s.charAt(i);
      }
    }

    /** Configured or request-derived text: control characters become spaces, others UTF-8. */
    private void text(String s) {
      int n = s.length();
      room(n);
      int start = length;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x80) {
          length = start; // not ASCII: encode it as the one-shot path does
          byte[] b = sanitize(s).getBytes(StandardCharsets.UTF_8);
          room(b.length);
          System.arraycopy(b, 0, buf, length, b.length);
          length += b.length;
          return;
        }
        buf[length++] = c < 0x20 || c == 0x7f ? (byte) ' ' : (byte) c;
      }
    }

    private void room(int more) {
      if (length + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, length + more));
      }
    }
  }

  /**
   * The action as Postfix reads it: {@code DEFER_IF_PERMIT Greylisted, ...}, the wire's text
   * between {@code action=} and the newlines (control characters already spaces).
   */
  public static String action(Outcome outcome) {
    byte[] wire = encode(outcome);
    int prefix = "action=".length();
    return new String(wire, prefix, wire.length - prefix - 2, StandardCharsets.UTF_8);
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
