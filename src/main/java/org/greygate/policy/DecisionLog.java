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

  /** The field naming the policy set that decided, when sets are declared. */
  public static final String CONTEXT_FIELD = "policy_context";

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
    log(request, outcome, null);
  }

  /**
   * The line of a decision made by the policy set {@code set} (null: no sets are declared, and the
   * line has no {@code policy_context} field).
   */
  public void log(PolicyRequest request, Outcome outcome, String set) {
    if (log.isInfoEnabled()) {
      log.info(format == Format.JSON ? json(request, outcome, set) : format(request, outcome, set));
    }
  }

  /**
   * The decision as one JSON object: {@code {"action":"greylist","reason":"early-retry",
   * "detail":"42s missing","outcome":"defer","queue_id":"4ABC","client_name":...}}, extra fields
   * ({@code delay}) as their own members. Values are escaped and cut at 256 characters.
   */
  public static String json(PolicyRequest request, Outcome outcome) {
    return json(request, outcome, null);
  }

  /**
   * The JSON line of a decision made by the policy set {@code set} (a {@code policy_context}
   * member), or null for none.
   */
  public static String json(PolicyRequest request, Outcome outcome, String set) {
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
    if (set != null) member(sb, CONTEXT_FIELD, set);
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
    return format(request, outcome, null);
  }

  /**
   * The line of a decision made by the policy set {@code set}: {@code policy_context=NAME} after
   * the decision's own fields, before the request's (which a client fills, so a reader takes no
   * field after them); null for none.
   */
  public static String format(PolicyRequest request, Outcome outcome, String set) {
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
    if (set != null) sb.append(", ").append(CONTEXT_FIELD).append('=').append(clean(set));
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
