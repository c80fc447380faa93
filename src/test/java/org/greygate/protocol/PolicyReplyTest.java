package org.greygate.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PolicyReplyTest {
  @Test
  void encodesWithBareNewlines() {
    assertEquals(
        "action=DUNNO\n\n", new String(PolicyReply.encode("DUNNO"), StandardCharsets.UTF_8));
  }

  @Test
  void controlCharactersCannotEndTheReplyEarly() {
    String evil = "DEFER_IF_PERMIT text\r\n\naction=OK\n";
    assertEquals(
        "action=DEFER_IF_PERMIT text   action=OK \n\n",
        new String(PolicyReply.encode(evil), StandardCharsets.UTF_8));
  }
}
