package org.greygate.queue;

import java.util.List;
import org.greygate.logline.LineFormat;

/**
 * An alert ({@code action=queue-alert}) or its end ({@code action=queue-clear}), with its fields
 * written {@code name=value}: {@code alert=watermark, queue=hold, count=3, threshold=1}.
 */
public record QueueEvent(String action, List<String> fields) {
  public static final String ALERT = "queue-alert";
  public static final String CLEAR = "queue-clear";

  public QueueEvent {
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
    return LineFormat.text(action, fields);
  }

  public String json() {
    return LineFormat.json(action, fields);
  }
}
