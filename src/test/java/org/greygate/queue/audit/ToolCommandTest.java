package org.greygate.queue.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToolCommandTest {
  @Test
  void theWholeQueueIsMassHoweverTheOptionsAreWritten() {
    for (String c :
        new String[] {
          "/usr/sbin/postsuper -d ALL",
          "postsuper -r ALL",
          "postsuper -H ALL hold",
          "postsuper -h ALL",
          "postsuper -dALL",
          "postsuper -vd ALL",
          "postsuper -c /etc/postfix-out -d ALL",
          "postsuper -d -",
          "postsuper -e ALL",
          "xargs postsuper -d ALL",
        }) {
      ToolCommand t = ToolCommand.of(c);
      assertEquals("postsuper", t.tool(), c);
      assertTrue(t.mass(), c);
    }
  }

  @Test
  void singleMessagesAndOtherToolsAreNot() {
    for (String c :
        new String[] {
          "postsuper -d 4ABCD1234",
          "postsuper -c ALL -d 4ABCD",
          "postsuper -s",
          "postsuper -- -d ALL",
          "postsuper",
        }) {
      assertFalse(ToolCommand.of(c).mass(), c);
    }
    assertEquals("postqueue", ToolCommand.of("/usr/sbin/postqueue -f").tool());
    assertFalse(ToolCommand.of("postqueue -d ALL").mass(), "only postsuper acts on the queue");
    assertNull(ToolCommand.of("/usr/bin/vi /etc/postfix/main.cf").tool());
    assertNull(ToolCommand.of("/usr/local/bin/mypostsuper -d ALL").tool());
  }
}
