package org.greygate.logline;

import java.util.List;
import java.util.Locale;

/**
 * Text ({@code action=queue-alert, queue=hold, count=3}) or JSON ({@code {"action":"queue-alert",
 * "queue":"hold","count":"3"}}) for one log line. Values cannot forge lines or fields: control
 * characters become {@code ?} in text and are escaped in JSON, a comma before a space is written
 * {@code %2C} in text, and each value is cut at 256 characters.
 */
public final class LineFormat {
  /** Longest value written; longer ones are cut and end in {@code ...}. */
  public static final int MAX_VALUE = 256;

  private LineFormat() {}

  /**
   * The value made safe for one text line: control characters become {@code ?}, and a comma
   * followed by a space is written {@code %2C}, so that a value cannot end its field and start one
   * of its own ({@code sender=a@example.org, recipient=...} would, for any reader splitting the
   * line at {@code ", "}).
   */
  public static String clean(String v) {
    int n = Math.min(v.length(), MAX_VALUE);
    StringBuilder sb = null;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      boolean control = c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085';
      boolean separator = c == ',' && i + 1 < v.length() && v.charAt(i + 1) == ' ';
      if ((control || separator) && sb == null) sb = new StringBuilder(n + 8).append(v, 0, i);
      if (sb != null) {
        if (control) {
          sb.append('?');
        } else if (separator) {
          sb.append("%2C");
        } else {
          sb.append(c);
        }
      }
    }
    String out = sb == null ? v.substring(0, n) : sb.toString();
    return v.length() > MAX_VALUE ? out + "..." : out;
  }

  /** {@code action=ACTION, name=value, ...} from fields written {@code name=value}. */
  public static String text(String action, List<String> fields) {
    StringBuilder sb = new StringBuilder(120).append("action=").append(clean(action));
    for (String f : fields) sb.append(", ").append(clean(f));
    return sb.toString();
  }

  /** One JSON object: {@code action} first, then each {@code name=value} field as a member. */
  public static String json(String action, List<String> fields) {
    StringBuilder sb = new StringBuilder(160).append('{');
    member(sb, "action", action);
    for (String field : fields) {
      int eq = field.indexOf('=');
      if (eq > 0) member(sb, field.substring(0, eq), field.substring(eq + 1));
    }
    return sb.append('}').toString();
  }

  /** Appends {@code "name":"value"} to an object begun with '{', a comma first when needed. */
  public static void member(StringBuilder sb, String name, String value) {
    if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '{') sb.append(',');
    string(sb, name);
    sb.append(':');
    string(sb, value.length() > MAX_VALUE ? value.substring(0, MAX_VALUE) + "..." : value);
  }

  /** Appends {@code s} as a JSON string, escaped so that it stays on one line. */
  public static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
