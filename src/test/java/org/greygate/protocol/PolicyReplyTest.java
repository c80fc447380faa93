package org.greygate.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyReplyTest {
  static final Outcome.Note NOTE = Outcome.Note.of("pass", "test");

  static String wire(Outcome o) {
    return new String(PolicyReply.encode(o), StandardCharsets.UTF_8);
  }

  @Test
  void encodesWithBareNewlines() {
    assertEquals("action=DUNNO\n\n", wire(new Outcome.Dunno(NOTE)));
  }

  @Test
  void everyKindOfOutcomeRenders() {
    List<Outcome> all =
        List.of(
            new Outcome.Dunno(NOTE),
            new Outcome.Ok(NOTE),
            new Outcome.Prepend("X-A: b", NOTE),
            new Outcome.Defer("DEFER_IF_PERMIT", "later", NOTE),
            new Outcome.Reject("550", "5.7.1 no", NOTE),
            new Outcome.Hold("review", NOTE),
            new Outcome.Discard("", NOTE),
            new Outcome.Warn("look", NOTE));
    List<String> expected =
        List.of(
            "DUNNO",
            "OK",
            "PREPEND X-A: b",
            "DEFER_IF_PERMIT later",
            "550 5.7.1 no",
            "HOLD review",
            "DISCARD",
            "WARN look");
    for (int i = 0; i < all.size(); i++) {
      assertEquals(expected.get(i), PolicyReply.action(all.get(i)));
      // an action read back from configuration is the same outcome
      assertEquals(expected.get(i), PolicyReply.action(Actions.parse(expected.get(i), NOTE)));
    }
    assertEquals(Outcome.class.getPermittedSubclasses().length, all.size(), "a kind is missing");
  }

  @Test
  void theReusedEncoderGivesTheSameBytes() {
    PolicyReply.Encoder e = new PolicyReply.Encoder();
    List<Outcome> all =
        List.of(
            new Outcome.Dunno(NOTE),
            new Outcome.Ok(NOTE),
            new Outcome.Prepend("X-Greylist: delayed 301 seconds by greygate", NOTE),
            new Outcome.Defer("DEFER_IF_PERMIT", "4.2.0 Greylisted, try in 300 seconds", NOTE),
            new Outcome.Defer("DEFER_IF_PERMIT", "text\r\n\naction=OK\n", NOTE),
            new Outcome.Reject("550", "5.7.1 nein, ungültig\r\n", NOTE),
            new Outcome.Hold("x".repeat(1000), NOTE),
            new Outcome.Discard("", NOTE),
            new Outcome.Warn(null, NOTE),
            new Outcome.Warn("\ud83d\udce8 and an unpaired \ud83d", NOTE),
            new Outcome.Dunno(NOTE));
    for (Outcome o : all) {
      int n = e.encode(o);
      assertEquals(wire(o), new String(e.bytes(), 0, n, StandardCharsets.UTF_8), o.toString());
      assertTrue(
          java.util.Arrays.equals(
              PolicyReply.encode(o), 0, PolicyReply.encode(o).length, e.bytes(), 0, n),
          o.toString());
    }
    // the bytes themselves, for texts the encoder takes its slow path for
    assertEquals(
        "action=550 5.7.1 nein, ungültig  \n\n",
        wire(new Outcome.Reject("550", "5.7.1 nein, ungültig\r\n", NOTE)));
    assertEquals(
        "action=WARN \ud83d\udce8 and an unpaired ?\n\n",
        wire(new Outcome.Warn("\ud83d\udce8 and an unpaired \ud83d", NOTE)));
    assertEquals("action=WARN\n\n", wire(new Outcome.Warn(null, NOTE)));
    assertEquals(
        "action=HOLD " + "x".repeat(1000) + "\n\n", wire(new Outcome.Hold("x".repeat(1000), NOTE)));
  }

  /** {@code check} prints, the server writes and the logs name one and the same text. */
  @Test
  void theActionIsTheWiresText() {
    Outcome evil = new Outcome.Defer("DEFER_IF_PERMIT", "text\r\n\naction=OK\n", NOTE);
    assertEquals("DEFER_IF_PERMIT text   action=OK ", PolicyReply.action(evil));
    assertEquals("action=" + PolicyReply.action(evil) + "\n\n", wire(evil));
  }

  @Test
  void controlCharactersCannotEndTheReplyEarly() {
    Outcome evil = new Outcome.Defer("DEFER_IF_PERMIT", "text\r\n\naction=OK\n", NOTE);
    assertEquals("action=DEFER_IF_PERMIT text   action=OK \n\n", wire(evil));
  }

  @Test
  void configuredActionsAreCheckedAgainstAccess5() {
    for (String bad :
        List.of("DEFER_IF_PERMT", "NOPE", "", "DUNNO extra", "PREPEND nocolon", "600 x", "OK\nx")) {
      assertThrows(IllegalArgumentException.class, () -> Actions.parse(bad, NOTE), bad);
    }
    assertEquals("DEFER", PolicyReply.action(Actions.parse("defer", NOTE)));
    assertEquals("DEFER_IF_PERMIT", Actions.deferralVerb("defer_if_permit"));
    assertEquals("450", Actions.deferralVerb("450"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Actions.deferralVerb("REJECT"));
    assertTrue(e.getMessage().contains("not a temporary refusal"), e.getMessage());
  }
}
