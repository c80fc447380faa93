package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.testing.LogCapture;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;

/** Policy sets chosen by policy_context: the set, the default, the log field, hostile names. */
class PolicySetsTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
  static final Outcome FAIL_OPEN = new Outcome.Dunno(Outcome.Note.of("pass", "fail-open"));

  /** Counts what the sets feed to their meters. */
  static final class Meters implements Metrics {
    final Map<String, Double> values = new ConcurrentHashMap<>();

    @Override
    public void add(Meter meter, double amount, String... labels) {
      values.merge(meter.name() + List.of(labels), amount, Double::sum);
    }

    double get(Meter meter, String... labels) {
      return values.getOrDefault(meter.name() + List.of(labels), 0.0);
    }
  }

  final Meters meters = new Meters();

  static Policy answer(String text) {
    return ctx ->
        Policy.answer(new Outcome.Reject("REJECT", text, Outcome.Note.of("reject", text)));
  }

  final Policy greylist = answer("greylist");
  final Policy limits = answer("limits");

  /** The whole chain: limits, then greylisting; "inbound" greylists, "submission" limits. */
  PolicyChain chain(boolean inboundByDefault) {
    PolicyChain whole =
        new PolicyChain(
            List.of(new RequestGate(), limits, greylist),
            CLOCK,
            false,
            FAIL_OPEN,
            Metrics.NONE,
            PolicyChain.DecisionRecorder.NONE);
    PolicySet inbound = new PolicySet("inbound", List.of(new RequestGate(), greylist));
    PolicySet submission = new PolicySet("submission", List.of(new RequestGate(), limits));
    return whole.withPolicySets(
        new PolicySets(
            List.of(inbound, submission),
            inboundByDefault ? inbound.policies() : whole.policies(),
            meters));
  }

  static PolicyRequest request(String context) {
    Map<String, String> m = TestPolicy.rcpt("b@example.net");
    if (context != null) m.put("policy_context", context);
    return PolicyRequest.of(m);
  }

  static String decide(PolicyChain c, String context) {
    return PolicyReply.action(c.decide(request(context)).toCompletableFuture().join());
  }

  @Test
  void eachContextIsAnsweredByItsSetAndAnyOtherByTheDefault() {
    PolicyChain c = chain(true);
    assertEquals("REJECT greylist", decide(c, "inbound"));
    assertEquals("REJECT limits", decide(c, "submission"));
    assertEquals("REJECT greylist", decide(c, ""), "empty: the default set");
    assertEquals("REJECT greylist", decide(c, null), "none: the default set");
    assertEquals("REJECT greylist", decide(c, "Submission"), "names are exact");
    assertEquals("inbound", c.policySetOf(request("inbound")));
    assertEquals("default", c.policySetOf(request("elsewhere")));
    assertEquals(1, meters.get(PolicySets.DECISIONS, "submission"));
    assertEquals(1, meters.get(PolicySets.DECISIONS, "inbound"));
    assertEquals(3, meters.get(PolicySets.DECISIONS, "default"));
    assertEquals(1, meters.get(PolicySets.UNKNOWN), "an empty context is no unknown one");
  }

  @Test
  void withoutADefaultSetAnUnknownContextIsAskedByTheWholeChain() {
    assertEquals("REJECT limits", decide(chain(false), "nope"));
  }

  @Test
  void withoutSetsNothingChanges() {
    PolicyChain whole =
        new PolicyChain(
            List.of(new RequestGate(), greylist),
            CLOCK,
            false,
            FAIL_OPEN,
            Metrics.NONE,
            PolicyChain.DecisionRecorder.NONE);
    assertNull(whole.policySetOf(request("inbound")));
    assertEquals("REJECT greylist", decide(whole, "submission"));
  }

  @Test
  void theDecisionLineNamesTheSetBeforeTheRequestsFields() {
    PolicyRequest r = request("submission\u0001, sender=forged@example.org");
    Outcome o = new Outcome.Dunno(Outcome.Note.of("pass", "no policy decided"));
    String line = DecisionLog.format(r, o, PolicySets.DEFAULT);
    assertTrue(
        line.startsWith(
            "action=pass, reason=no policy decided, policy_context=default, client_name="),
        line);
    assertFalse(line.contains("forged"), "the request's own value is never written: " + line);
    assertEquals(
        "action=pass, reason=no policy decided, client_name=",
        DecisionLog.format(r, o).substring(0, 51),
        "no set: today's line");
    assertTrue(DecisionLog.json(r, o, "inbound").contains("\"policy_context\":\"inbound\""));
  }

  @Test
  void anUnknownContextIsLoggedOnceAndAFloodOfNamesIsBounded() {
    PolicyChain c = chain(true);
    try (LogCapture log = LogCapture.of(PolicySets.class)) {
      decide(c, "relay");
      decide(c, "relay");
      assertEquals(1, log.warnings().size(), log.warnings().toString());
      assertTrue(log.warnings().get(0).contains("'relay'"), log.warnings().get(0));
      assertTrue(log.warnings().get(0).contains("declared: inbound, submission"));
      for (int i = 0; i < 10_000; i++) decide(c, "ctx" + i);
      List<String> lines = log.warnings();
      assertEquals(PolicySets.MAX_LOGGED_UNKNOWN + 1, lines.size(), "the bound, and one line");
      assertTrue(lines.get(lines.size() - 1).contains("without a line"), lines.toString());
    }
    assertEquals(10_002, meters.get(PolicySets.UNKNOWN), "every one is counted");
    assertEquals(10_002, meters.get(PolicySets.DECISIONS, "default"));
  }

  @Test
  void aHostileContextIsShownCutAndWithoutControlCharacters() {
    PolicyChain c = chain(true);
    String forged = "x\u001b[2J\r, action=pass, reason=whitelisted " + "A".repeat(100_000);
    try (LogCapture log = LogCapture.of(PolicySets.class)) {
      assertEquals("REJECT greylist", decide(c, forged));
      String line = log.warnings().get(0);
      assertFalse(line.chars().anyMatch(ch -> ch < 0x20), line);
      assertFalse(line.contains(", action=pass"), line);
      assertTrue(line.length() < 400, "cut: " + line.length());
      assertTrue(line.contains("(" + forged.length() + " characters)"), line);
    }
  }

  @Test
  void aSetNamedDefaultOrTwiceIsRefused() {
    List<Policy> none = new ArrayList<>();
    assertThrows(
        IllegalArgumentException.class,
        () -> new PolicySets(List.of(new PolicySet("default", none)), none, meters));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new PolicySets(
                List.of(new PolicySet("a", none), new PolicySet("a", none)), none, meters));
  }
}
