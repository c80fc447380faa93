package org.greygate.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a caller of the release API or a request file can hand the daemon: any bytes as a POST body,
 * any text as a query or a request file. Each is either refused with an IllegalArgumentException or
 * read into a selector whose every value is one printable word, whose description (what the log
 * line shows) holds no control character, and which reads back from its own request-file lines as
 * itself. Replayed from the committed corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn
 * test -Dtest=ReleaseInputFuzzTest -Djazzer.max_duration=3m}.
 */
class ReleaseInputFuzzTest {
  static final long NOW = 1_800_000_000L;
  static final Set<String> FIELDS = Set.of("sender", "recipient", "client", "since", "all");

  @FuzzTest(maxDuration = "3m")
  void anyRequestBody(FuzzedDataProvider data) {
    byte[] body = data.consumeRemainingAsBytes();
    Map<String, Object> fields;
    try {
      fields = ReleaseApi.object(body);
    } catch (IllegalArgumentException refused) {
      assertClean(refused.getMessage());
      return;
    }
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      assertTrue(FIELDS.contains(e.getKey()), e.getKey());
      Object v = e.getValue();
      assertTrue(v == null || v instanceof String || v instanceof Boolean, String.valueOf(v));
    }
    Object all = fields.get("all");
    try {
      Selector s =
          Selector.parse(
              text(fields.get("sender")),
              text(fields.get("recipient")),
              text(fields.get("client")),
              text(fields.get("since")),
              Boolean.TRUE.equals(all),
              NOW);
      check(s);
    } catch (IllegalArgumentException refused) {
      assertClean(refused.getMessage());
    }
  }

  @FuzzTest(maxDuration = "3m")
  void anyQueryOrRequestFile(FuzzedDataProvider data) {
    boolean query = data.consumeBoolean();
    String text = data.consumeRemainingAsString();
    try {
      if (query) {
        Map<String, String> q = ReleaseApi.query(text);
        check(
            Selector.parse(
                q.get("sender"), q.get("recipient"), q.get("client"), q.get("since"), false, NOW));
      } else {
        check(Selector.fromLines(List.of(text.split("\n")), NOW));
      }
    } catch (IllegalArgumentException refused) {
      assertClean(refused.getMessage());
    }
  }

  private static String text(Object v) {
    return v instanceof String s ? s : null;
  }

  /** A selector read from anything: printable words, and its own lines read back as itself. */
  private static void check(Selector s) {
    assertClean(s.describe());
    for (String line : s.toLines()) assertClean(line);
    assertEquals(s, Selector.fromLines(s.toLines(), NOW));
  }

  /** No character a terminal or a log reader would act on: the value stays on its line. */
  private static void assertClean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      assertTrue(
          !org.greygate.logline.TerminalText.control(c) && c != '\n' && c != '\r',
          () -> "control character in: " + s);
    }
  }
}
