package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.report.LogLine;
import org.junit.jupiter.api.Test;

class DecisionLogTest {
  @Test
  void aRateLimitHitIsOneLineInBothFormats() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sasl_username", "alice@example.org");
    m.put("client_address", "192.0.2.1");
    m.put("sender", "alice@example.org");
    Outcome hold =
        new Outcome.Hold(
            "held",
            new Outcome.Note(
                "ratelimit",
                "limit burst",
                null,
                List.of(
                    "rule=burst", "key=alice@example.org", "count=31", "limit=30", "window=10m")));
    assertEquals(
        "action=ratelimit, reason=limit burst, rule=burst, key=alice@example.org, count=31,"
            + " limit=30, window=10m, client_address=192.0.2.1, sender=alice@example.org",
        DecisionLog.format(PolicyRequest.of(m), hold));
    assertEquals(
        "{\"action\":\"ratelimit\",\"reason\":\"limit burst\",\"outcome\":\"hold\","
            + "\"rule\":\"burst\",\"key\":\"alice@example.org\",\"count\":\"31\","
            + "\"limit\":\"30\",\"window\":\"10m\",\"client_address\":\"192.0.2.1\","
            + "\"sender\":\"alice@example.org\"}",
        DecisionLog.json(PolicyRequest.of(m), hold));
  }

  @Test
  void postgreyShapeWithQueueIdAndOnlyNonEmptyFields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("queue_id", "4ABC");
    m.put("client_name", "");
    m.put("client_address", "192.0.2.1");
    m.put("sender", "a@example.org");
    m.put("recipient", "b@example.net");
    String line =
        DecisionLog.format(
            PolicyRequest.of(m),
            new Outcome.Prepend(
                "X: y", new Outcome.Note("pass", "triplet found", null, List.of("delay=301"))));
    assertEquals(
        "4ABC: action=pass, reason=triplet found, delay=301, client_address=192.0.2.1, sender=a@example.org, recipient=b@example.net",
        line);
    assertEquals(
        "action=greylist, reason=early-retry (42s missing)",
        DecisionLog.format(
            PolicyRequest.of(Map.of()),
            new Outcome.Defer(
                "DEFER_IF_PERMIT",
                "x",
                Outcome.Note.of("greylist", "early-retry", "42s missing"))));
  }

  @Test
  void valuesCannotForgeLines() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("sender", "a@example.org\nFAKE action=pass\r");
    m.put("recipient", "x".repeat(1000));
    String line =
        DecisionLog.format(
            PolicyRequest.of(m),
            new Outcome.Dunno(Outcome.Note.of("pass", "not applicable", "why")));
    assertFalse(line.contains("\n") || line.contains("\r"));
    assertEquals(
        "action=pass, reason=not applicable (why), sender=a@example.org?FAKE action=pass?, recipient="
            + "x".repeat(256)
            + "...",
        line);
  }

  /**
   * A sender shaped like the line's own fields: the report, and any tool that splits the line at
   * {@code ", "}, must still read the recipient Postfix asked about, not the one the sender wrote.
   */
  @Test
  void aValueCannotForgeAFieldOfItsLine() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("client_address", "192.0.2.1");
    m.put("sender", "a@example.org, recipient=ceo@victim.example, action=pass");
    m.put("recipient", "b@example.net");
    String line =
        DecisionLog.format(
            PolicyRequest.of(m), new Outcome.Dunno(Outcome.Note.of("pass", "client AWL", null)));
    assertEquals(
        "action=pass, reason=client AWL, client_address=192.0.2.1,"
            + " sender=a@example.org%2C recipient=ceo@victim.example%2C action=pass,"
            + " recipient=b@example.net",
        line);
    LogLine read = (LogLine) LogLine.read(line, ZoneOffset.UTC, LocalDate.of(2026, 12, 7));
    assertEquals("b@example.net", read.fields().get("recipient"));
    assertEquals(
        List.of("action", "reason", "client_address", "sender", "recipient"),
        List.copyOf(read.fields().keySet()));
  }

  @Test
  void jsonLinesEscapeAndKeepEveryField() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("queue_id", "4ABC");
    m.put("client_name", "mx.example.org");
    m.put("client_address", "192.0.2.1");
    m.put("sender", "a\"b\\c@example.org\nX");
    m.put("recipient", "b@example.net");
    String line =
        DecisionLog.json(
            PolicyRequest.of(m),
            new Outcome.Prepend(
                "X: y", new Outcome.Note("pass", "triplet found", null, List.of("delay=301"))));
    assertEquals(
        "{\"action\":\"pass\",\"reason\":\"triplet found\",\"outcome\":\"prepend\","
            + "\"delay\":\"301\",\"queue_id\":\"4ABC\",\"client_name\":\"mx.example.org\","
            + "\"client_address\":\"192.0.2.1\",\"sender\":\"a\\\"b\\\\c@example.org\\u000aX\","
            + "\"recipient\":\"b@example.net\"}",
        line);
    assertFalse(line.contains("\n"));
  }
}
