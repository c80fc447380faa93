package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.greygate.logline.SyslogLine;
import org.greygate.queue.audit.AuditConfig;
import org.junit.jupiter.api.Test;

/** The volume window (SIEM rule B) and many holds released within the hour (rule C). */
class QueueSiemRulesTest {
  static QueueWatchConfig config(long window, long burst) {
    return new QueueWatchConfig(
        List.of("postqueue", "-j"),
        60,
        List.of(),
        900,
        null,
        1_000_000,
        5,
        3600,
        100,
        Set.of("smtp"),
        window,
        burst,
        AuditConfig.OFF,
        org.greygate.queue.hooks.HookConfig.NONE);
  }

  @Test
  void volumeIsJudgedOverTheWindowNotOneInterval() {
    QueueAlerts a = new QueueAlerts(config(300, 0));
    // a quiet hour: 10 a minute, 50 a window
    for (int i = 0; i < 60; i++) assertEquals(List.of(), a.mailLog(0, 0, 10, 0));
    // 80 a minute for five minutes: no single minute reaches --volume-min (100), the window does
    List<QueueEvent> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) seen.addAll(a.mailLog(0, 0, 80, 0));
    assertEquals(1, seen.size(), seen.toString());
    QueueEvent e = seen.get(0);
    assertEquals("volume", e.get("alert"));
    assertEquals("5m", e.get("window"));
    assertTrue(Long.parseLong(e.get("count")) > 250, e.text());
    assertTrue(e.text().startsWith("action=queue-alert, alert=volume, count="), e.text());
  }

  @Test
  void aWindowThatIsNotWholeIntervalsIsRefused() {
    var ex =
        org.junit.jupiter.api.Assertions.assertThrows(
            org.greygate.config.InvalidSetting.class, () -> config(90, 0));
    assertTrue(ex.getMessage().contains("volume-window"), ex.getMessage());
  }

  @Test
  void manyHeldThenReleasedWithinTheHourAlertsOnceAndClears() {
    QueueAlerts a = new QueueAlerts(config(60, 100));
    assertEquals(List.of(), a.mailLog(0, 0, 0, 80));
    assertEquals(List.of(), a.mailLog(0, 0, 0, 40), "held 120, released none");
    List<QueueEvent> e = a.mailLog(60, 50, 0, 0);
    assertEquals(1, e.size(), e.toString());
    assertEquals(
        "action=queue-alert, alert=hold-release, held=120, released=110, threshold=100,"
            + " window=1h",
        e.get(0).text());
    assertEquals(List.of(), a.mailLog(10, 0, 0, 0), "said once");
    List<QueueEvent> clear = List.of();
    for (int i = 0; i < 60 && clear.isEmpty(); i++) clear = a.mailLog(0, 0, 0, 0);
    assertEquals("queue-clear", clear.get(0).action(), "an hour later the counts left");
  }

  @Test
  void heldMessagesAreCountedFromTheirLines() {
    assertEquals(
        12,
        MailLogLines.placedOnHold(
            SyslogLine.parse(
                "Dec  7 01:00:00 mx postfix/postsuper[9]: Placed on hold: 12 messages")));
    assertEquals(
        "4ABCD1234",
        MailLogLines.heldQueueId(
            SyslogLine.parse(
                "Dec  7 01:00:00 mx postfix/smtpd[9]: 4ABCD1234: hold: RCPT from"
                    + " x[192.0.2.1]: <a@example.org>: Recipient address triggers HOLD action;"
                    + " from=<b@example.net> to=<a@example.org> proto=ESMTP helo=<x>")));
    assertEquals(
        null,
        MailLogLines.heldQueueId(
            SyslogLine.parse(
                "Dec  7 01:00:00 mx postfix/smtpd[9]: connect from 4ABCD1234: hold: x[192.0.2.1]")),
        "a client's HELO text is not a hold");
  }
}
