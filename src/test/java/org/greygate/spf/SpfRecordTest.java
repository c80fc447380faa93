package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The record's term grammar, read by hand rather than by regular expressions (a regular expression
 * match per term cost a quarter of a microsecond, the most of a record's parse): the same decisions
 * as the expressions that say it plainly, on random terms.
 */
class SpfRecordTest {
  static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9._-]*)=(.*)");
  static final Pattern DUAL_CIDR =
      Pattern.compile("(.*?)(?:/([0-9]+))?(?://([0-9]+))?", Pattern.DOTALL);

  @Test
  void modifiersAndPrefixLengthsAsTheGrammarSays() {
    Random random = new Random(4408);
    String alphabet = "aZ9._-=:/%{}\n\u0085\u0661x/";
    for (int n = 0; n < 200_000; n++) {
      StringBuilder b = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        b.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String term = b.toString();
      Matcher m = MODIFIER.matcher(term);
      int eq = term.indexOf('=');
      int colon = term.indexOf(':');
      int slash = term.indexOf('/');
      boolean modifier = m.matches() && (colon < 0 || eq < colon) && (slash < 0 || eq < slash);
      assertEquals(modifier ? eq : -1, SpfRecord.modifierEquals(term), term);
      Matcher c = DUAL_CIDR.matcher(term);
      c.matches();
      assertArrayEquals(
          new String[] {c.group(1), c.group(2), c.group(3)}, SpfRecord.dualCidr(term), term);
    }
  }

  @Test
  void mechanismsWithPrefixLengths() throws Exception {
    SpfRecord r = SpfRecord.parse("v=spf1 a/24 mx:m.test//64 a:x.test/16//48 a:y//z -all");
    assertEquals(24, r.directives().get(0).cidr4());
    assertEquals(128, r.directives().get(0).cidr6());
    assertEquals("m.test", r.directives().get(1).domainSpec());
    assertEquals(64, r.directives().get(1).cidr6());
    assertEquals(16, r.directives().get(2).cidr4());
    assertEquals(48, r.directives().get(2).cidr6());
    assertEquals("y//z", r.directives().get(3).domainSpec());
  }
}
