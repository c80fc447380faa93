package org.greygate.queue.spool;

import java.util.ArrayList;
import java.util.List;
import org.greygate.logline.LineFormat;

/**
 * One thing in the spool Postfix never does, as an alert line: {@code action=queue-alert,
 * alert=spool-owner, queue=hold, file=hold/4F628212A6A, owner=nobody, expected=postfix}.
 *
 * @param kind {@code owner}, {@code type}, {@code mode}, {@code name}, {@code in-place}, {@code
 *     modified} or {@code directory} (the metric's label)
 * @param fields the line's fields after {@code alert=}
 */
public record Finding(String kind, List<String> fields) {
  public static final String ACTION = "queue-alert";

  public Finding {
    fields = List.copyOf(fields);
  }

  static Finding of(String kind, String queue, String what, String file, String... more) {
    List<String> f = new ArrayList<>();
    if (queue != null) f.add("queue=" + queue);
    f.add(what + "=" + file);
    f.addAll(List.of(more));
    return new Finding(kind, f);
  }

  private List<String> all() {
    List<String> out = new ArrayList<>(fields.size() + 1);
    out.add("alert=spool-" + kind);
    out.addAll(fields);
    return out;
  }

  public String text() {
    return LineFormat.text(ACTION, all());
  }

  public String json() {
    return LineFormat.json(ACTION, all());
  }

  /**
   * A file name as a field's value: a name is chosen by whoever made the file, so anything but
   * letters, digits and {@code . _ - /} is written {@code \xHH} (a comma or {@code =} cannot forge
   * a field, a control character cannot end the line).
   */
  static String name(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    int n = Math.min(s.length(), 200);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 'a' && c <= 'z'
          || c >= 'A' && c <= 'Z'
          || c >= '0' && c <= '9'
          || c == '.'
          || c == '_'
          || c == '-'
          || c == '/') {
        sb.append(c);
      } else if (c < 0x100) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    if (s.length() > n) sb.append("...");
    return sb.toString();
  }
}
