package org.greygate.feature;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A page of a feature's HTTP API, answered on the daemon's metrics listener ({@link
 * Assembly#apiPage}). Called on the listener's page thread, one call at a time; it must not block
 * for long.
 */
@FunctionalInterface
public interface ApiPage {
  Answer answer(Call call);

  /**
   * One call.
   *
   * @param method {@code GET}, {@code HEAD} or {@code POST}
   * @param query the query string as sent (not decoded), empty when none
   * @param headers names in lower case
   * @param body a POST's body (bounded by the listener), empty otherwise
   * @param client where the call came from
   */
  record Call(
      String method,
      String path,
      String query,
      Map<String, List<String>> headers,
      byte[] body,
      InetAddress client) {
    public Call {
      headers = Map.copyOf(headers);
      Objects.requireNonNull(body);
    }

    /** The values of header {@code name} (any case), empty when absent. */
    public List<String> header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
  }

  /** The answer: a status, a content type and a body. */
  record Answer(int status, String contentType, byte[] body) {
    public Answer {
      Objects.requireNonNull(body);
    }

    public static Answer json(int status, String json) {
      return new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }
  }
}
