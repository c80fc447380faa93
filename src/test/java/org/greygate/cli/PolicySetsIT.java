package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy sets through the entry points admins use: {@code serve} as a process with one
 * configuration file declaring an inbound set (greylisting) and a submission set (rate limits);
 * requests with each context, an unknown one, an empty one, hostile ones; {@code check} and {@code
 * report} on what it did; a broken set stopping the start.
 */
class PolicySetsIT {
  @TempDir Path dir;

  static Map<String, String> rcpt(String context, String recipient) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2.1");
    m.put("client_name", "mx.example.org");
    m.put("sender", "a@example.org");
    m.put("recipient", recipient);
    if (context != null) m.put("policy_context", context);
    return m;
  }

  static Map<String, String> message(String context, String user) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "END-OF-MESSAGE");
    m.put("client_address", "192.0.2.10");
    m.put("sasl_username", user);
    m.put("sender", user);
    m.put("recipient", "b@example.net");
    m.put("recipient_count", "1");
    m.put("size", "1000");
    if (context != null) m.put("policy_context", context);
    return m;
  }

  Path config(String... sets) throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "burst sasl_username messages 1 1h HOLD\n");
    List<String> lines = new ArrayList<>();
    lines.add("# two checks, one daemon");
    lines.add("inet = 127.0.0.1:0");
    lines.add("dbdir = " + dir.resolve("db"));
    lines.add("rules = " + rules);
    lines.add("metrics = 127.0.0.1:0");
    lines.addAll(List.of(sets));
    Path file = dir.resolve("greygate.conf");
    Files.write(file, lines);
    return file;
  }

  static final String[] TWO_SETS = {
    "policy-set=inbound: whitelists, greylisting",
    "policy-set=submission: rate-limits",
    "default-policy-set=inbound"
  };

  @Test
  void eachContextIsAnsweredByItsSetAndCheckAndReportKnowThem() throws Exception {
    Path conf = config(TWO_SETS);
    String hostile = "x\u0001\u001b[2J, action=pass, reason=whitelisted, " + "A".repeat(3000);
    Path log = dir.resolve("greygate.log");
    try (Daemon d = Daemon.serve("--config=" + conf);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      d.awaitLine(
          "policy sets by policy_context: inbound (whitelists, greylisting), submission"
              + " (rate-limits); any other context: inbound",
          5);
      // inbound greylists; submission does not, whatever the triplet
      assertTrue(c.ask(rcpt("inbound", "b@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertEquals("DUNNO", c.ask(rcpt("submission", "c@example.net")));
      // submission limits; inbound does not count at all
      assertEquals("DUNNO", c.ask(message("submission", "alice@example.org")));
      assertEquals(
          "HOLD held for review: rate limit burst",
          c.ask(message("submission", "alice@example.org")));
      assertEquals("DUNNO", c.ask(message("inbound", "alice@example.org")));
      // unknown, empty and no context: the default set (inbound), the unknown one logged once
      assertTrue(c.ask(rcpt("relay", "d@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(rcpt("relay", "e@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(rcpt("", "f@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(rcpt(null, "g@example.net")).startsWith("DEFER_IF_PERMIT"));
      assertTrue(c.ask(rcpt(hostile, "h@example.net")).startsWith("DEFER_IF_PERMIT"));
      String unknown = d.awaitLine("policy_context 'relay'", 5);
      assertTrue(unknown.contains("declared: inbound, submission"), unknown);
      String shown = d.awaitLine("policy_context 'x", 5);
      assertFalse(shown.chars().anyMatch(ch -> ch < 0x20), shown);
      assertFalse(shown.contains(", action=pass"), shown);
      assertTrue(shown.length() < 400, shown);
      assertTrue(d.awaitLine("action=ratelimit", 5).contains("policy_context=submission"));
      assertTrue(
          d.awaitLine("action=greylist, reason=new, policy_context=inbound, client_name=", 5)
              != null);
      String byDefault = d.awaitLine("recipient=h@example.net", 5);
      assertTrue(byDefault.contains("policy_context=default, client_name="), byDefault);
      // metrics: by set, declared names and "default" only
      int metricsPort = d.metricsPort();
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          metrics.contains("greygate_policy_set_decisions_total{set=\"inbound\"} 2.0"), metrics);
      assertTrue(metrics.contains("greygate_policy_set_decisions_total{set=\"submission\"} 3.0"));
      assertTrue(metrics.contains("greygate_policy_set_decisions_total{set=\"default\"} 5.0"));
      assertTrue(metrics.contains("greygate_policy_context_unknown_total 3.0"), metrics);
      assertEquals(1, d.output().lines().filter(l -> l.contains("policy_context 'relay'")).count());
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
      Files.writeString(log, d.output());
    }
    // check answers as serve would, for the context it is given
    Cli sub = new Cli();
    List<String> args =
        new ArrayList<>(List.of("check", "--config=" + conf, "--policy-context=submission"));
    rcpt(null, "z@example.net").forEach((k, v) -> args.add(k + "=" + v));
    assertEquals(0, sub.run(args.toArray(String[]::new)), sub.err.toString());
    assertEquals("action=DUNNO\n\n", sub.out.toString());
    assertTrue(sub.err.toString().contains("policy_context=submission"), sub.err.toString());
    Cli in = new Cli();
    args.set(2, "--policy-context=inbound");
    assertEquals(0, in.run(args.toArray(String[]::new)), in.err.toString());
    assertTrue(in.out.toString().startsWith("action=DEFER_IF_PERMIT"), in.out.toString());
    Cli attr = new Cli();
    List<String> asAttribute = new ArrayList<>(List.of("check", "--config=" + conf));
    rcpt("submission", "z@example.net").forEach((k, v) -> asAttribute.add(k + "=" + v));
    assertEquals(0, attr.run(asAttribute.toArray(String[]::new)), attr.err.toString());
    assertEquals("action=DUNNO\n\n", attr.out.toString(), "the request's own attribute");
    // without --config: the options the daemon recorded beside its database, every set once
    Cli recorded = new Cli();
    List<String> beside =
        new ArrayList<>(
            List.of("check", "--dbdir=" + dir.resolve("db"), "--policy-context=submission"));
    rcpt(null, "z@example.net").forEach((k, v) -> beside.add(k + "=" + v));
    assertEquals(0, recorded.run(beside.toArray(String[]::new)), recorded.err.toString());
    assertEquals("action=DUNNO\n\n", recorded.out.toString());
    Cli nope = new Cli();
    args.set(2, "--policy-context=nope");
    assertEquals(2, nope.run(args.toArray(String[]::new)));
    assertTrue(
        nope.err
            .toString()
            .contains("--policy-context=nope: no such policy set (declared: inbound, submission)"),
        nope.err.toString());
    // report: a section by set, and one set alone
    Cli all = new Cli();
    assertEquals(0, all.run("report", "--log=" + log), all.err.toString());
    assertTrue(
        all.out
            .toString()
            .matches(
                "(?s).*decisions by policy set \\(policy_context\\):\n"
                    + "  default +5\n  submission +3\n  inbound +2\n.*"),
        all.out.toString());
    Cli one = new Cli();
    assertEquals(
        0,
        one.run("report", "--log=" + log, "--context=submission", "--format=json"),
        one.err.toString());
    assertTrue(one.out.toString().contains("\"ratelimit/limit burst\":1"), one.out.toString());
    assertFalse(one.out.toString().contains("greylist/"), one.out.toString());
    Path page = dir.resolve("report.html");
    Cli html = new Cli();
    assertEquals(0, html.run("report", "--log=" + log, "--html=" + page), html.err.toString());
    String shown = Files.readString(page);
    assertTrue(shown.contains("Decisions by policy set"), shown);
    assertTrue(shown.contains("id=\"policy-sets\""), shown);
    Cli store = new Cli();
    assertEquals(2, store.run("report", "--dbdir=" + dir.resolve("db"), "--context=submission"));
    assertTrue(store.err.toString().contains("--context needs --log"), store.err.toString());
  }

  @Test
  void aBrokenSetStopsTheStartNamingFileLineAndTheKnownNames() throws Exception {
    Path conf =
        config("policy-set=inbound: whitelists, greylist", "policy-set=submission: rate-limits");
    try (Daemon d = Daemon.launch("serve", "--config=" + conf)) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(
          d.output()
              .contains(
                  conf
                      + ":6: policy-set: set 'inbound': unknown policy 'greylist' (did you mean"
                      + " 'greylisting'?); known: whitelists, rate-limits, domain-policy,"
                      + " dns-lists, spf-grouping, greylisting"),
          d.output());
    }
    Path undeclared = config("policy-set=inbound: greylisting", "default-policy-set=inbund");
    try (Daemon d = Daemon.launch("serve", "--config=" + undeclared)) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(
          d.output()
              .contains(
                  "--default-policy-set names 'inbund', which no policy-set declares (declared:"
                      + " inbound)"),
          d.output());
    }
  }
}
