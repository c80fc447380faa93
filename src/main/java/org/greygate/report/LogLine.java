package org.greygate.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.greygate.logline.BoundedLines;
import org.greygate.logline.SyslogLine;

/**
 * One decision line read back from a log: its time and its {@code name=value} fields, in Postgrey's
 * shape ({@code action=greylist, reason=early-retry (42s missing), delay=312, client_name=...,
 * client_address=..., sender=..., recipient=...}) or as greygate's JSON object.
 *
 * <p>A decision is read only from the message of greygate's or Postgrey's own line (see {@link
 * SyslogLine} for the shapes), from its first character: {@code [decision: |queue: ][QUEUEID: ]}
 * then {@code action=...} or <code>{...}</code>. Other programs' lines, Postfix's included, hold no
 * decision whatever their text says, so what a client sends (a HELO Postfix logs) cannot be read as
 * one.
 *
 * @param epochSecond when, or {@code Long.MIN_VALUE} when the line carries no time
 * @param fields every field, in order; {@code reason} without its parenthesised detail
 * @param postgrey the line is Postgrey's (which names no whitelist entry)
 */
public record LogLine(long epochSecond, Map<String, String> fields, boolean postgrey)
    implements LineRead {
  /** Programs whose decisions are read: greygate (any {@code greygate-*} unit too) and Postgrey. */
  static boolean decides(String program) {
    return program == null // greygate's own stdout, no syslog around it
        || program.equals("greygate")
        || program.equals("postgrey")
        || program.startsWith("greygate-");
  }

  /** greygate's loggers whose lines hold decisions and queue alerts. */
  private static final Set<String> LOGGERS = Set.of("decision: ", "queue: ");

  /**
   * The request's own fields, written last: once one begins, a later {@code , name=value} is part
   * of a value a client chose (a quoted local part may hold {@code ", delay=5"}), not a field.
   */
  private static final Set<String> REQUEST_FIELDS =
      Set.of("client_name", "client_address", "sender", "recipient");

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(4)
                  .maxStringLength(BoundedLines.MAX_LINE)
                  .maxNumberLength(64)
                  .build())
          // names of hostile lines are not kept in a table shared across lines
          .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .build();

  public String action() {
    return fields.get("action");
  }

  public String reason() {
    return fields.getOrDefault("reason", "");
  }

  /** The decision in {@code line}, or {@code null} when it holds none or a broken one. */
  public static LogLine parse(String line, ZoneId zone, LocalDate today) {
    return read(line, zone, today) instanceof LogLine l ? l : null;
  }

  /**
   * What {@code line} holds. Never throws, whatever the line.
   *
   * @param zone the zone of times written without one (greygate's console, classic syslog)
   * @param today for classic syslog's year-less dates: the year that puts the date not after it
   */
  public static LineRead read(String line, ZoneId zone, LocalDate today) {
    SyslogLine s = SyslogLine.parse(line);
    if (!decides(s.program())) return new LineRead.Other();
    String m = s.message();
    int at = 0;
    for (String logger : LOGGERS) {
      if (m.startsWith(logger)) {
        at = logger.length();
        break;
      }
    }
    if (s.shape() == SyslogLine.Shape.CONSOLE && at == 0) {
      return new LineRead.Other(); // another logger's line: the listener, a warning
    }
    at = pastQueueId(m, at);
    Map<String, String> fields;
    if (m.startsWith("action=", at)) {
      fields = text(m, at);
    } else if (m.startsWith("{", at)) {
      try {
        fields = json(m, at);
      } catch (IOException | RuntimeException e) {
        // Jackson's own exceptions (bad escapes, limits) and anything it might throw on a line
        // nobody meant: the line is unreadable, the report goes on
        return new LineRead.Unreadable("JSON: " + e.getClass().getSimpleName());
      }
    } else {
      return new LineRead.Other();
    }
    if (fields == null) return new LineRead.Unreadable("not one JSON object");
    String action = fields.get("action");
    if (action == null || action.isEmpty() || action.indexOf(' ') >= 0) {
      return new LineRead.Unreadable("no action");
    }
    return new LogLine(s.epochSecond(zone, today), fields, "postgrey".equals(s.program()));
  }

  /**
   * Past {@code QUEUEID: } at {@code at}, or {@code at}. Postfix's queue ids are letters and
   * digits, with a digit somewhere (short ids are hex of a time, long ones base-52 with digits);
   * the names greygate's other loggers put first under the journal ({@code PolicyServer: }) have
   * none, and are no queue id.
   */
  private static int pastQueueId(String m, int at) {
    int i = at;
    boolean digit = false;
    while (i < m.length() && i - at <= 32) {
      char c = m.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
        break;
      }
      i++;
    }
    return digit && m.startsWith(": ", i) ? i + 2 : at;
  }

  /** {@code action=pass, reason=x (detail), name=value, ...} from {@code at}; the first wins. */
  private static Map<String, String> text(String m, int at) {
    Map<String, String> fields = new LinkedHashMap<>();
    String last = null;
    boolean request = false;
    int i = at;
    while (i <= m.length()) {
      int comma = m.indexOf(", ", i);
      int end = comma < 0 ? m.length() : comma;
      int eq = name(m, i, end);
      String key = eq < 0 ? null : m.substring(i, eq);
      boolean field =
          key != null && !fields.containsKey(key) && (!request || REQUEST_FIELDS.contains(key));
      if (field) {
        request |= REQUEST_FIELDS.contains(key);
        fields.put(key, m.substring(eq + 1, end));
        last = key;
      } else if (last != null) {
        fields.put(last, fields.get(last) + ", " + m.substring(i, end)); // a value with ", "
      }
      if (comma < 0) break;
      i = comma + 2;
    }
    String reason = fields.get("reason");
    if (reason != null) {
      int paren = reason.indexOf(" (");
      if (paren > 0) fields.put("reason", reason.substring(0, paren));
    }
    fields.replaceAll((k, v) -> v.strip());
    return fields;
  }

  /**
   * The index of the {@code =} ending a field name ({@code [A-Za-z0-9_-]+}) at {@code i}, or -1.
   */
  private static int name(String m, int i, int end) {
    int k = i;
    while (k < end) {
      char c = m.charAt(k);
      if (c == '=') return k > i ? k : -1;
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')
          && c != '-') {
        return -1;
      }
      k++;
    }
    return -1;
  }

  /**
   * greygate's {@code --log-format=json} line: one object of string members, the first of a name
   * counting; numbers and literals are read as their text, nested values are not fields. Null when
   * the message is not exactly one object.
   */
  private static Map<String, String> json(String m, int at) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(m.substring(at))) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) return null;
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == null) return null;
        if (v.isScalarValue()) {
          if (v != JsonToken.VALUE_NULL) fields.putIfAbsent(name, p.getText());
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null) return null; // something after the object
    }
    return fields;
  }
}
