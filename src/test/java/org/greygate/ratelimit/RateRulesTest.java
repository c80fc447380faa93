package org.greygate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RateRulesTest {
  @TempDir Path dir;

  static RateRules parse(String... lines) throws RateRules.Invalid {
    return RateRules.parse(List.of(lines), "rules");
  }

  static String error(String... lines) {
    return assertThrows(RateRules.Invalid.class, () -> parse(lines)).getMessage();
  }

  @Test
  void theIssuesExampleParses() throws Exception {
    RateRules r =
        parse(
            "# name        key                 count        limit   window  action   [text]",
            "user-burst    sasl_username       messages     30      10m     HOLD",
            "user-daily    sasl_username       recipients   2000    1d      DEFER    \"daily limit reached\"",
            "ip-bulk       client_address/24   messages     500     1h      REJECT  # a comment",
            "dom-daily     recipient_domain    recipients   10000   1d      DEFER",
            "all           global              messages     20000   1h      HOLD",
            "",
            "exempt        sasl_username       =Newsletter@example.org",
            "exempt        client_address/24   192.0.2.77");
    assertEquals(5, r.rules().size());
    RateRule daily = r.rules().get(1);
    assertEquals(RateRule.Count.RECIPIENTS, daily.count());
    assertEquals(86_400, daily.windowSeconds());
    assertEquals(RateRule.Action.DEFER, daily.action());
    assertEquals("daily limit reached", daily.text());
    assertEquals("rules:3", daily.line());
    assertEquals(new KeySpec(KeySpec.Kind.CLIENT_ADDRESS, 24, 64), r.rules().get(2).key());
    assertTrue(r.exempt(KeySpec.parse("sasl_username"), "newsletter@example.org"));
    assertTrue(r.exempt(KeySpec.parse("client_address/24"), "192.0.2.0/24"));
  }

  @Test
  void everyMistakeIsNamedWithItsLine() {
    assertEquals(
        "rules:2: unknown key 'username' (sasl_username, sender, sender_domain,"
            + " client_address[/BITS], recipient_domain or global)",
        error("# ok", "a username messages 3 1h HOLD"));
    assertTrue(error("a sender mails 3 1h HOLD").contains("rules:1: unknown count 'mails'"));
    assertTrue(error("a sender messages 3 1h BOUNCE").contains("unknown action 'BOUNCE'"));
    assertTrue(error("a sender messages 0 1h HOLD").contains("limit must be 1 or more"));
    assertTrue(error("a sender messages -5 1h HOLD").contains("limit must be 1 or more"));
    assertTrue(error("a sender messages 3 10x HOLD").contains("window '10x' is not a duration"));
    assertTrue(error("a sender messages 3 0s HOLD").contains("window '0s'"));
    assertTrue(error("a sender messages 3 -1m HOLD").contains("window '-1m'"));
    assertTrue(error("a sender messages 3 1h").contains("expected: NAME KEY COUNT"));
    assertTrue(error("a sender messages 3 1h HOLD \"x").contains("a quote is not closed"));
    assertTrue(
        error("a sender messages 3 1h HOLD", "a sender messages 3 1h HOLD")
            .contains("rules:2: a second rule named a"));
    assertTrue(error("a client_address/33 messages 3 1h HOLD").contains("1 to 32"));
    assertTrue(error("a recipient_domain messages 3 1h HOLD").contains("its COUNT is recipients"));
    assertTrue(error("exempt client_address nonsense").contains("not an IP address"));
    assertTrue(
        error("d recipient_domain recipients 9 1d WARN").contains("WARN would skip greylisting"));
    assertTrue(error("exempt sender").contains("expected: exempt KEY VALUE"));
  }

  @Test
  void bytesThatAreNotUtf8AreNamedWithTheirLine() throws Exception {
    Path rules = dir.resolve("greygate.rules");
    Files.write(
        rules,
        "a sender messages 3 1h HOLD\r\n# caf\u00e9\rb sender messages 3 1h HOLD \"x"
            .getBytes(StandardCharsets.UTF_8));
    Files.write(rules, new byte[] {(byte) 0xff, '\n'}, StandardOpenOption.APPEND);
    RateRules.Invalid e = assertThrows(RateRules.Invalid.class, () -> RateRules.load(rules));
    assertEquals(rules + ":3: not UTF-8 text (byte 0xFF at column 31)", e.getMessage());

    Files.writeString(rules, "a sender messages 3 1h HOLD\n");
    Path local = dir.resolve("greygate.rules.local");
    Files.write(local, new byte[] {'x', ' ', 'a', ' ', '5', '\n', 'y', (byte) 0xc3, ' ', 'a'});
    e = assertThrows(RateRules.Invalid.class, () -> RateRules.load(rules));
    assertEquals(local + ":2: not UTF-8 text (byte 0xC3 at column 2)", e.getMessage());

    // the same files in UTF-8 load, whatever their line ends
    Files.writeString(local, "x a 5\r\ny\u00e9 a 6\r");
    assertEquals(6, RateRules.load(rules).limit(RateRules.load(rules).rules().get(0), "y\u00e9"));
  }

  @Test
  void theShippedExampleParses() throws Exception {
    RateRules r = RateRules.load(java.nio.file.Path.of("config/greygate.rules"));
    assertEquals(
        List.of("user-burst", "user-daily", "ip-bulk", "all"),
        r.rules().stream().map(RateRule::name).toList());
  }

  @Test
  void windows() {
    assertEquals(90, RateRules.window("90"));
    assertEquals(90, RateRules.window("90s"));
    assertEquals(600, RateRules.window("10m"));
    assertEquals(7200, RateRules.window("2H"));
    assertEquals(86_400, RateRules.window("1d"));
  }
}
