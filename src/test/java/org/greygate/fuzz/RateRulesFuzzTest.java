package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.greygate.protocol.PolicyRequest;
import org.greygate.ratelimit.KeySpec;
import org.greygate.ratelimit.RateRule;
import org.greygate.ratelimit.RateRules;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as the rate-limit rules file and its {@code FILE.local} (the input's part after a line
 * {@value #LOCAL}): either the rules load, or loading fails with {@code FILE:LINE: why} naming a
 * line of one of the two files; nothing else escapes. Loaded rules are within the grammar's limits
 * (names, limits, windows, reply text), and reading any request's key and limit answers. Replayed
 * from the committed corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=RateRulesFuzzTest -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class RateRulesFuzzTest {
  static final String LOCAL = "--- greygate.rules.local ---";

  @TempDir static Path dir;

  @FuzzTest(maxDuration = "5m")
  void rulesAndLocalLimits(byte[] input) throws IOException {
    String all = new String(input, StandardCharsets.ISO_8859_1);
    int split = all.indexOf("\n" + LOCAL + "\n");
    byte[] main = split < 0 ? input : Arrays.copyOfRange(input, 0, split + 1);
    byte[] local =
        split < 0 ? null : Arrays.copyOfRange(input, split + LOCAL.length() + 2, input.length);
    Path file = dir.resolve("greygate.rules");
    Path localFile = dir.resolve("greygate.rules.local");
    Files.write(file, main);
    if (local == null) {
      Files.deleteIfExists(localFile);
    } else {
      Files.write(localFile, local);
    }
    RateRules rules;
    try {
      rules = RateRules.load(file);
    } catch (RateRules.Invalid e) {
      String m = e.getMessage();
      boolean inLocal = m.startsWith(localFile + ":");
      Path named = inLocal ? localFile : file;
      assertTrue(m.startsWith(named + ":"), m);
      String rest = m.substring(named.toString().length() + 1);
      int colon = rest.indexOf(": ");
      assertTrue(colon > 0, m);
      int line = Integer.parseInt(rest.substring(0, colon));
      assertTrue(line >= 1 && line <= WhitelistFuzzTest.lines(inLocal ? local : main), m);
      return;
    }
    Set<String> names = new HashSet<>();
    for (RateRule r : rules.rules()) {
      assertTrue(r.name().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"), r.name());
      assertTrue(names.add(r.name()), "twice: " + r.name());
      assertTrue(r.limit() >= 1, r.toString());
      assertTrue(r.windowSeconds() >= 1 && r.windowSeconds() <= 366 * 86_400L, r.toString());
      assertTrue(r.line().startsWith(file + ":"), r.line());
      if (r.text() != null) {
        assertTrue(r.text().length() <= 200, r.text());
        assertTrue(r.text().chars().noneMatch(c -> c < 0x20 || c == 0x7f), r.text());
      }
      if (r.key().perRecipient()) {
        assertEquals(RateRule.Count.RECIPIENTS, r.count());
        assertTrue(r.action() != RateRule.Action.WARN);
      }
    }
    for (Map.Entry<KeySpec, Set<String>> e : rules.exempt().entrySet()) {
      for (String v : e.getValue()) {
        if (e.getKey().kind() == KeySpec.Kind.CLIENT_ADDRESS) {
          assertTrue(v.matches("[0-9a-f.:]+/[0-9]{1,3}"), v);
        }
      }
    }
    for (Map.Entry<String, Long> o : rules.overrides().entrySet()) {
      assertTrue(o.getValue() >= 1, o.toString());
      assertTrue(names.contains(o.getKey().substring(0, o.getKey().indexOf(' '))), o.getKey());
    }
    List<String> words = WhitelistFuzzTest.words(input);
    words.add("192.0.2.1");
    words.add("2001:db8::1");
    for (String w : words) {
      PolicyRequest req =
          PolicyRequest.of(
              Map.of(
                  "sasl_username",
                  w,
                  "sender",
                  w.indexOf('@') < 0 ? "u@" + w : w,
                  "recipient",
                  "r@" + w,
                  "client_address",
                  w));
      for (RateRule r : rules.rules()) {
        String value = r.key().value(req);
        if (value != null) assertTrue(rules.limit(r, value) >= 1);
      }
    }
  }
}
