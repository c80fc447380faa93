package org.greygate.queue.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueueToolAuditTest {
  static final String STAMP = "2026-12-07T01:02:03.123456+00:00 mx ";

  static String sudo(String user, String command) {
    return STAMP + "sudo: " + user + " : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=" + command;
  }

  static List<ToolEvent> auth(Set<String> admins, String... lines) {
    QueueToolAudit a = new QueueToolAudit(admins);
    for (String l : lines) a.authLine(l);
    return a.endOfRound();
  }

  @Test
  void aNonAdminAlertsHighAnAdminIsRecorded() {
    List<ToolEvent> e =
        auth(
            Set.of("bob"),
            sudo("alice", "/usr/sbin/postsuper -d 4ABCD"),
            sudo("bob", "/usr/sbin/postsuper -d 4ABCD"));
    assertEquals(2, e.size(), e.toString());
    assertEquals(
        "action=queue-alert, alert=queue-tool, severity=high, tool=postsuper, user=alice, as=root,"
            + " why=not-admin, source=sudo, tty=pts/0, host=mx, command=/usr/sbin/postsuper -d"
            + " 4ABCD",
        e.get(0).text());
    assertEquals(
        "{\"action\":\"queue-alert\",\"alert\":\"queue-tool\",\"severity\":\"high\","
            + "\"tool\":\"postsuper\",\"user\":\"alice\",\"as\":\"root\",\"why\":\"not-admin\","
            + "\"source\":\"sudo\",\"tty\":\"pts/0\",\"host\":\"mx\","
            + "\"command\":\"/usr/sbin/postsuper -d 4ABCD\"}",
        e.get(0).json());
    assertEquals(
        "action=queue-tool, tool=postsuper, user=bob, as=root, source=sudo, tty=pts/0, host=mx,"
            + " command=/usr/sbin/postsuper -d 4ABCD",
        e.get(1).text());
    assertFalse(e.get(1).alert());
    assertEquals("info", e.get(1).severity());
  }

  @Test
  void theWholeQueueAlertsEvenForAnAdmin() {
    ToolEvent e = auth(Set.of("bob"), sudo("bob", "/usr/sbin/postsuper -r ALL")).get(0);
    assertTrue(e.alert());
    assertEquals("high", e.severity());
    assertEquals("mass", e.get("why"));
  }

  @Test
  void aCraftedValueCannotAddAFieldToTheTextLine() {
    // an argument "x, user=root, why=none" must not read as fields of the alert
    ToolEvent e =
        auth(Set.of(), sudo("mallory", "/usr/sbin/postcat -q x, user=root, why=none")).get(0);
    String text = e.text();
    assertEquals(1, text.split(", user=").length - 1, text);
    assertTrue(text.endsWith("command=/usr/sbin/postcat -q x%2C user=root%2C why=none"), text);
    assertEquals("/usr/sbin/postcat -q x, user=root, why=none", e.get("command"));
  }

  @Test
  void controlCharactersNeverReachTheLine() {
    ToolEvent e =
        auth(Set.of(), sudo("mallory", "/usr/sbin/postcat -q \u001b[2J\rfake\u2028line")).get(0);
    assertFalse(e.text().chars().anyMatch(c -> c < 0x20 || c == 0x2028), e.text());
    assertFalse(e.json().chars().anyMatch(c -> c < 0x20 || c == 0x2028), e.json());
  }

  @Test
  void suToRootByANonAdminIsMedium() {
    List<ToolEvent> e =
        auth(
            Set.of("bob"),
            STAMP + "su[1]: (to root) alice on pts/0",
            STAMP + "su[2]: (to root) bob on pts/0",
            STAMP + "su[3]: (to www-data) alice on pts/0");
    assertEquals(1, e.size(), e.toString());
    assertEquals(
        "action=queue-alert, alert=queue-tool-su, severity=medium, tool=su, user=alice, as=root,"
            + " why=not-admin, source=su, tty=pts/0, host=mx",
        e.get(0).text());
  }

  @Test
  void aFloodIsBoundedToOneSummary() {
    QueueToolAudit a = new QueueToolAudit(Set.of());
    for (int i = 0; i < 100_000; i++) a.authLine(sudo("mallory", "/usr/sbin/postsuper -d X" + i));
    List<ToolEvent> e = a.endOfRound();
    assertEquals(QueueToolAudit.MAX_LINES_PER_ROUND + 1, e.size());
    ToolEvent last = e.get(e.size() - 1);
    assertEquals("queue-tool-flood", last.get("alert"));
    assertEquals(
        String.valueOf(100_000 - QueueToolAudit.MAX_LINES_PER_ROUND), last.get("suppressed"));
    assertEquals(List.of(), a.endOfRound(), "the next round starts empty");
  }

  @Test
  void queueFilesChangedAlertOncePerProcess() {
    QueueToolAudit a = new QueueToolAudit(Set.of("bob"));
    for (int i = 0; i < 500; i++) {
      a.auditLine(
          AuditLogTest.syscall(
                  "7" + i, "1001", "mallory", "/usr/bin/rm", "\"postfix_queue_change\"")
              .replace("pid=427" + i, "pid=999"));
      a.auditLine(AuditLogTest.record("EOE", "7" + i, ""));
    }
    List<ToolEvent> e = a.endOfRound();
    assertEquals(1, e.size(), e.toString());
    assertEquals("queue-files", e.get(0).get("alert"));
    assertEquals("high", e.get(0).severity());
    assertEquals("files", e.get(0).meterTool());
  }

  @Test
  void aServiceRunIsRecordedNotAlerted() {
    QueueToolAudit a = new QueueToolAudit(Set.of());
    a.auditLine(
        AuditLogTest.syscall(
            "5", "4294967295", "unset", "/usr/sbin/postsuper", "\"postfix_queue_tool\""));
    a.auditLine(AuditLogTest.record("EXECVE", "5", "argc=1 a0=\"postsuper\""));
    a.auditLine(AuditLogTest.record("EOE", "5", ""));
    List<ToolEvent> e = a.endOfRound();
    assertEquals(1, e.size());
    assertFalse(e.get(0).alert(), e.get(0).text());
  }
}
