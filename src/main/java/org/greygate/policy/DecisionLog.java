package org.greygate.policy;

import org.greygate.logline.LineFormat;
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

  /** Postgrey's line, or one JSON object per decision (for log shippers and SIEMs). */
  public enum Format {
    TEXT,
    JSON
  }

  private final Format format;

  public DecisionLog() {
    this(Format.TEXT);
  }

  public DecisionLog(Format format) {
    this.format = format;
  }

  public void log(PolicyRequest request, Outcome outcome) {
    if (log.isInfoEnabled()) {
      log.info(format == Format.JSON ? json(request, outcome) : format(request, outcome));
    }
  }

  /**
   * The decision as one JSON object: {@code {"action":"greylist","reason":"early-retry",
   * "detail":"42s missing","outcome":"defer","queue_id":"4ABC","client_name":...}}, extra fields
   * ({@code delay}) as their own members. Values are escaped and cut at 256 characters.
   */
  public static String json(PolicyRequest request, Outcome outcome) {
    Outcome.Note note = outcome.note();
    StringBuilder sb = new StringBuilder(240).append('{');
    member(sb, "action", note.action());
    member(sb, "reason", note.reason());
    if (note.detail() != null) member(sb, "detail", note.detail());
    member(sb, "outcome", outcome.kind());
    for (String field : note.fields()) {
      int eq = field.indexOf('=');
      if (eq > 0) member(sb, field.substring(0, eq), field.substring(eq + 1));
    }
    String queueId = request.queueId();
    if (queueId != null && !queueId.isEmpty()) member(sb, "queue_id", queueId);
    for (String f : FIELDS) {
      String v = request.get(f);
      if (v != null && !v.isEmpty()) member(sb, f, v);
    }
    return sb.append('}').toString();
  }

  private static void member(StringBuilder sb, String name, String value) {
    LineFormat.member(sb, name, value);
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
    return LineFormat.clean(v);
  }
}
