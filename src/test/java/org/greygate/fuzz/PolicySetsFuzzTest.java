package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.greygate.app.PolicySetSettings;
import org.greygate.config.InvalidSetting;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyChain;
import org.greygate.policy.PolicySet;
import org.greygate.policy.PolicySets;
import org.greygate.policy.RequestGate;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.report.LogLine;

/**
 * Policy sets against any input. {@code declaredSet}: any text as a {@code policy-set} value is a
 * set (a name Postfix can send, not {@code default}, known policies only) or refused with one
 * bounded line without control characters. {@code requestContext}: any {@code policy_context} (and
 * any sender beside it) is answered by a declared set or the default one, and the decision line
 * read back gives the set that answered, never a value the request chose. Replayed from the
 * committed corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=PolicySetsFuzzTest -Djazzer.max_duration=3m}.
 */
class PolicySetsFuzzTest {
  static final Set<String> KNOWN =
      Set.of(
          "whitelists",
          "rate-limits",
          "domain-policy",
          "dns-lists",
          "spf-grouping",
          "queue-watch",
          "greylisting");

  @FuzzTest(maxDuration = "5m")
  void declaredSet(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Object parsed;
    try {
      parsed = PolicySetSettings.POLICY_SET.parseOne(text);
    } catch (InvalidSetting e) {
      String m = e.getMessage();
      assertTrue(m.startsWith("policy-set "), m);
      assertTrue(m.length() < 600, "bounded: " + m.length());
      assertFalse(m.chars().anyMatch(c -> c < 0x20 || c == 0x7f), m);
      return;
    }
    PolicySetSettings.Declared d = (PolicySetSettings.Declared) parsed;
    assertTrue(d.name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"), d.name());
    assertFalse(d.name().equals(PolicySets.DEFAULT));
    assertFalse(d.members().isEmpty());
    assertTrue(KNOWN.containsAll(d.members()), d.members().toString());
    assertEquals(d.members().size(), Set.copyOf(d.members()).size(), "no duplicates");
  }

  static final Outcome ANSWER = new Outcome.Dunno(Outcome.Note.of("pass", "no policy decided"));

  static final PolicyChain CHAIN =
      new PolicyChain(
              List.of(new RequestGate()),
              Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC),
              false,
              ANSWER,
              Metrics.NONE,
              PolicyChain.DecisionRecorder.NONE)
          .withPolicySets(
              new PolicySets(
                  List.of(
                      new PolicySet("inbound", List.<Policy>of(new RequestGate())),
                      new PolicySet("submission", List.<Policy>of(new RequestGate()))),
                  List.of(new RequestGate()),
                  Metrics.NONE));

  @FuzzTest(maxDuration = "5m")
  void requestContext(byte[] input) {
    String all = new String(input, StandardCharsets.UTF_8);
    int cut = all.indexOf('\n');
    String context = cut < 0 ? all : all.substring(0, cut);
    String sender = cut < 0 ? "a@example.org" : all.substring(cut + 1);
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2.1");
    m.put("sender", sender);
    m.put("recipient", "b@example.net");
    m.put("policy_context", context);
    PolicyRequest r = PolicyRequest.of(m);
    String set = CHAIN.policySetOf(r);
    String expected =
        context.equals("inbound") || context.equals("submission") ? context : PolicySets.DEFAULT;
    assertEquals(expected, set);
    assertEquals(
        "DUNNO",
        org.greygate.protocol.PolicyReply.action(CHAIN.decide(r).toCompletableFuture().join()));
    for (String line :
        List.of(DecisionLog.format(r, ANSWER, set), DecisionLog.json(r, ANSWER, set))) {
      LogLine read = LogLine.parse("decision: " + line, ZoneOffset.UTC, LocalDate.of(2026, 12, 7));
      if (read == null) continue; // a line the reader cannot take is not counted at all
      assertEquals(expected, read.fields().get("policy_context"), line);
    }
  }
}
