package org.greygate.policy;

import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per decision, shaped like Postgrey's so existing log parsers keep working: {@code
 * QUEUEID: action=greylist, reason=new, client_name=..., client_address=..., sender=...,
 * recipient=...}. Values cannot forge lines: control characters become {@code ?} and each value is
 * cut at 256 characters.
 */
public final class DecisionLog {
  private static final Logger log = LoggerFactory.getLogger("greygate.decision");
  private static final String[] FIELDS = {"client_name", "client_address", "sender", "recipient"};
  private static final int MAX_VALUE = 256;

  public void log(PolicyRequest request, Outcome outcome) {
    if (log.isInfoEnabled()) {
      log.info(format(request, outcome));
    }
  }

  /** The line, without logger decoration. */
  public static String format(PolicyRequest request, Outcome outcome) {
    Outcome.Note note = outcome.note();
    StringBuilder sb = new StringBuilder(200);
    String queueId = request.queueId();
    if (queueId != null && !queueId.isEmpty()) {
      sb.append(clean(queueId)).append(": ");
    }
    sb.append("action=").append(clean(note.action()));
    sb.append(", reason=").append(clean(note.reasonText()));
    for (String field : note.fields()) {
      sb.append(", ").append(clean(field));
    }
    for (String f : FIELDS) {
      String v = request.get(f);
      if (v != null && !v.isEmpty()) {
        sb.append(", ").append(f).append('=').append(clean(v));
      }
    }
    return sb.toString();
  }

  /** The value made safe for one log line. */
  public static String clean(String v) {
    int n = Math.min(v.length(), MAX_VALUE);
    StringBuilder sb = null;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085') {
        if (sb == null) {
          sb = new StringBuilder(v.substring(0, n));
        }
        sb.setCharAt(i, '?');
      }
    }
    String out = sb == null ? v.substring(0, n) : sb.toString();
    return v.length() > MAX_VALUE ? out + "..." : out;
  }
}
