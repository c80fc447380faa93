package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.Set;
import org.greygate.queue.audit.QueueToolAudit;
import org.greygate.queue.audit.ToolEvent;

/**
 * Any text after an auth-log or audit-log envelope: the queue tools' audit never throws, and each
 * line it writes holds exactly its own fields (no value adds one), no control character, and is
 * valid JSON in its JSON form. Replayed from the committed corpus on every test run; fuzz with
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=QueueToolAuditFuzzTest -Djazzer.max_duration=5m}.
 */
class QueueToolAuditFuzzTest {
  static final String[] ENVELOPES = {
    "2026-12-07T01:02:03.123456+00:00 mx sudo:    alice : ",
    "2026-12-07T01:02:03.123456+00:00 mx sudo:    alice : TTY=pts/0 ; PWD=",
    "Dec  7 01:02:03 mx sudo:  mallory : (command continued) ",
    "Dec  7 01:02:03 mx su[42]: ",
    "type=SYSCALL msg=audit(1765069200.123:812): arch=c000003e syscall=59 success=yes auid=1000"
        + " uid=0 comm=\"postsuper\" exe=\"/usr/sbin/postsuper\" key=\"postfix_queue_tool\"",
    "type=EXECVE msg=audit(1765069200.123:812): ",
    "type=SYSCALL msg=audit(1765069200.123:813): ",
    "",
  };

  static final JsonFactory JSON = new JsonFactory();

  @FuzzTest(maxDuration = "5m")
  void authAndAuditLines(FuzzedDataProvider data) throws IOException {
    QueueToolAudit audit = new QueueToolAudit(Set.of("bob"));
    while (data.remainingBytes() > 0) {
      int envelope = data.consumeInt(0, ENVELOPES.length - 1);
      String line = ENVELOPES[envelope] + data.consumeString(2000);
      if (envelope >= 4) audit.auditLine(line);
      else audit.authLine(line);
      if (envelope == 4) audit.auditLine("type=EOE msg=audit(1765069200.123:812): ");
    }
    for (ToolEvent e : audit.endOfRound()) {
      String text = e.text();
      assertEquals(e.fields().size() + 1, text.split(", ", -1).length, text);
      assertFalse(text.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == 0x2028), text);
      assertTrue(text.length() < 20_000, "a line of " + text.length());
      try (JsonParser p = JSON.createParser(e.json())) {
        while (p.nextToken() != null) {}
      }
    }
  }
}
