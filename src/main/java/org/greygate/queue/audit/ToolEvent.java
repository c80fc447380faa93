package org.greygate.queue.audit;

import java.util.ArrayList;
import java.util.List;
import org.greygate.logline.LineFormat;

/**
 * One line about a queue tool: an alert ({@code action=queue-alert, alert=queue-tool,
 * severity=high, ...}) or a run by an admin, logged for the record ({@code action=queue-tool,
 * ...}). Its fields are written {@code name=value}; in the text form a value's {@code ,} is written
 * {@code %2C} (and {@code %} as {@code %25}), so a crafted directory or argument cannot add a field
 * of its own ({@code x, user=root}); the JSON form escapes as JSON does.
 *
 * @param severity {@code high}, {@code medium} or {@code info}
 * @param meterTool the tool as the metrics label it: a queue tool's name, {@code su} or {@code
 *     files}
 */
public record ToolEvent(String action, String severity, String meterTool, List<String> fields) {
  public static final String ALERT = "queue-alert";
  public static final String RECORD = "queue-tool";

  public ToolEvent {
    fields = List.copyOf(fields);
  }

  public boolean alert() {
    return action.equals(ALERT);
  }

  /** The field's value, or null. */
  public String get(String name) {
    for (String f : fields) {
      if (f.startsWith(name + "=")) return f.substring(name.length() + 1);
    }
    return null;
  }

  public String text() {
    List<String> safe = new ArrayList<>(fields.size());
    for (String f : fields) {
      int eq = f.indexOf('=');
      safe.add(f.substring(0, eq + 1) + escape(f.substring(eq + 1)));
    }
    return LineFormat.text(action, safe);
  }

  public String json() {
    return LineFormat.json(action, fields);
  }

  static String escape(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('%') < 0) return v;
    return v.replace("%", "%25").replace(",", "%2C");
  }
}
