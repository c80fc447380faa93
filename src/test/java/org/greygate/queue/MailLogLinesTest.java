package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class MailLogLinesTest {
  @Test
  void releasesFromHoldInEveryLogStyle() {
    assertEquals(
        12,
        MailLogLines.releasedFromHold(
            "Dec  4 03:40:01 mx postfix/postsuper[812]: Released from hold: 12 messages"));
    assertEquals(
        1,
        MailLogLines.releasedFromHold(
            "2026-12-04T03:40:01.123456+00:00 mx postfix-out/postsuper[812]: Released from hold:"
                + " 1 message"));
    // a message's own line is followed by the count above: not counted twice
    assertEquals(
        0,
        MailLogLines.releasedFromHold(
            "Dec  4 03:40:01 mx postfix/postsuper[812]: 4ABCD12345: released from hold"));
    assertEquals(
        0,
        MailLogLines.releasedFromHold(
            "Dec  4 03:40:01 mx postfix/smtpd[9]: Released from hold: 12 messages"));
    assertEquals(
        0,
        MailLogLines.releasedFromHold(
            "Dec  4 03:40:01 mx postfix/postsuper[812]: Released from hold: lots"));
    assertEquals(
        2,
        MailLogLines.requeued("Dec 04 03:49:27 mx postfix/postsuper[12280]: Requeued: 2 messages"));
    assertEquals(
        0,
        MailLogLines.requeued(
            "Dec 04 03:49:27 mx postfix/postsuper[12280]: Released from hold: 2 messages"));
  }

  @Test
  void deliveriesByTheNamedAgents() {
    Set<String> smtp = Set.of("smtp");
    String sent =
        "Dec  4 03:40:02 mx postfix/smtp[913]: 4ABCD12345: to=<bob@example.net>,"
            + " relay=mx.example.net[192.0.2.1]:25, delay=0.4, status=sent (250 2.0.0 Ok)";
    assertTrue(MailLogLines.delivery(sent, smtp));
    assertTrue(
        MailLogLines.delivery(sent.replace("status=sent (250 2.0.0 Ok)", "status=deferred"), smtp));
    assertFalse(MailLogLines.delivery(sent, Set.of("lmtp")));
    assertTrue(
        MailLogLines.delivery(
            "Dec  4 03:40:02 mx postfix/virtual[77]: 4ABCD12345: to=<u@example.test>,"
                + " relay=virtual, delay=0.1, status=sent (delivered to mailbox)",
            Set.of("virtual")));
    // smtpd's lines and qmgr's are not deliveries
    assertFalse(
        MailLogLines.delivery(
            "Dec  4 03:40:02 mx postfix/smtpd[5]: 4ABCD12345: client=localhost[127.0.0.1]", smtp));
    assertFalse(
        MailLogLines.delivery(
            "Dec  4 03:40:02 mx postfix/qmgr[6]: 4ABCD12345: from=<a@b>, size=300, nrcpt=1 (queue"
                + " active)",
            Set.of("qmgr")));
    assertFalse(MailLogLines.delivery("smtp[1]: x", smtp));
    assertFalse(MailLogLines.delivery("", smtp));
  }
}
