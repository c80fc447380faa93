package org.greygate.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Settings;
import org.junit.jupiter.api.Test;

/** Declaring policy sets: the syntax, the names admins write, the checks across lines. */
class PolicySetSettingsTest {
  static Settings of(String... lines) {
    Settings.Builder b = Settings.builder();
    for (String l : lines) {
      int eq = l.indexOf('=');
      String name = l.substring(0, eq).strip();
      b.add(Settings.find(PolicySetSettings.ALL, name), l.substring(eq + 1).strip());
    }
    return b.build();
  }

  @Test
  void everyPartOfTheChainHasAStableName() {
    assertEquals(
        List.of(
            "whitelists",
            "rate-limits",
            "domain-policy",
            "dns-lists",
            "spf-grouping",
            "greylisting"),
        PolicySetSettings.known());
  }

  @Test
  void aSetIsANameAndItsPolicies() {
    assertEquals(
        new PolicySetSettings.Declared(
            "inbound", List.of("whitelists", "dns-lists", "greylisting")),
        PolicySetSettings.parse("inbound: whitelists, dns-lists greylisting,, dns-lists"));
    assertEquals(
        new PolicySetSettings.Declared("sub.mission_2", List.of("rate-limits")),
        PolicySetSettings.parse(" sub.mission_2 :rate-limits "));
  }

  @Test
  void anUnknownPolicyIsRefusedWithTheKnownNames() {
    InvalidSetting e =
        assertThrows(
            InvalidSetting.class,
            () -> PolicySetSettings.POLICY_SET.parseOne("inbound: whitelists, greylist"));
    assertEquals(
        "policy-set set 'inbound': unknown policy 'greylist' (did you mean 'greylisting'?);"
            + " known: whitelists, rate-limits, domain-policy, dns-lists, spf-grouping,"
            + " greylisting",
        e.getMessage());
  }

  @Test
  void malformedSetsAreRefusedSayingWhy() {
    for (String[] bad :
        new String[][] {
          {"greylisting", "expected NAME: POLICY"},
          {": greylisting", "a set's name is"},
          {"in bound: greylisting", "a set's name is"},
          {"x".repeat(65) + ": greylisting", "a set's name is"},
          {"in\u0007: greylisting", "'in?'"},
          {"inbound:", "names no policy"},
          {"inbound: ,  ,", "names no policy"},
          {"default: greylisting", "'default' names the requests that match no set"},
          {"inbound: grey\u001blisting", "unknown policy 'grey?listing'"},
        }) {
      InvalidSetting e =
          assertThrows(
              InvalidSetting.class, () -> PolicySetSettings.POLICY_SET.parseOne(bad[0]), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }

  @Test
  void setsAreCheckedTogether() {
    PolicySetSettings.validate(Settings.DEFAULTS);
    PolicySetSettings.validate(
        of("policy-set = a: greylisting", "policy-set = b: rate-limits", "default-policy-set = b"));
    InvalidSetting twice =
        assertThrows(
            InvalidSetting.class,
            () ->
                PolicySetSettings.validate(
                    of("policy-set = a: greylisting", "policy-set = a: rate-limits")));
    assertEquals("policy-set declares set 'a' twice", twice.getMessage());
    InvalidSetting missing =
        assertThrows(
            InvalidSetting.class,
            () ->
                PolicySetSettings.validate(
                    of(
                        "policy-set = b: greylisting",
                        "policy-set = a: greylisting",
                        "default-policy-set = c")));
    assertEquals(
        "default-policy-set names 'c', which no policy-set declares (declared: a, b)",
        missing.getMessage());
    InvalidSetting none =
        assertThrows(
            InvalidSetting.class, () -> PolicySetSettings.validate(of("default-policy-set = c")));
    assertEquals("default-policy-set names 'c', which no policy-set declares", none.getMessage());
  }
}
