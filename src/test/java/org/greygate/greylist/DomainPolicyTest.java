package org.greygate.greylist;

import static org.greygate.greylist.GreylistingTest.T0;
import static org.greygate.greylist.GreylistingTest.req;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.greygate.greylist.GreylistingTest.Decision;
import org.greygate.greylist.GreylistingTest.Verdict;
import org.greygate.whitelist.ClientWhitelist;
import org.greygate.whitelist.DomainPolicies;
import org.greygate.whitelist.RecipientWhitelist;
import org.greygate.whitelist.Whitelists;
import org.junit.jupiter.api.Test;

/** Recipient-domain policies through the daemon's chain, on an in-memory store. */
class DomainPolicyTest {
  final GreylistingTest g = new GreylistingTest();

  void policies(String... lines) {
    DomainPolicies.Builder b = new DomainPolicies.Builder();
    for (String l : lines) b.add(l);
    g.whitelists = new Whitelists(ClientWhitelist.EMPTY, RecipientWhitelist.EMPTY, b.build());
  }

  Decision to(String recipient, long now) {
    return g.decide(req("192.0.2.1", "a@example.org", recipient), now);
  }

  @Test
  void optOutAndOptIn() {
    policies("login.example greylist=off", ".corp.example greylist=off");
    Decision d = to("reset@login.example", T0);
    assertEquals(Verdict.PASS, d.verdict());
    assertEquals("domain policy", d.reason());
    assertEquals("domain_policy=login.example", d.detail());
    assertEquals(Verdict.PASS, to("x@eu.corp.example", T0).verdict(), "a subdomain");
    assertEquals(Verdict.GREYLIST, to("x@corp.example", T0).verdict(), ".d is subdomains only");
    assertEquals(Verdict.GREYLIST, to("x@other.example", T0).verdict());

    policies("* greylist=off", "customers.example greylist=on");
    assertEquals(Verdict.PASS, to("x@other.example", T0).verdict(), "opt-in: not listed");
    assertEquals(Verdict.PASS, to("x@fresh.example", T0).verdict());
    assertEquals(Verdict.GREYLIST, to("x@customers.example", T0).verdict());
    assertTrue(g.triplets().keySet().stream().noneMatch(k -> k.contains("fresh.example")));
  }

  @Test
  void aDomainsOwnDelay() {
    policies("fast.example delay=1m", "* delay=10m");
    assertEquals(Verdict.GREYLIST, to("x@fast.example", T0).verdict());
    Decision d = to("x@fast.example", T0 + 60);
    assertEquals(Verdict.PREPEND, d.verdict());
    assertTrue(d.detail().contains("delay=60"), d.detail());
    assertEquals(Verdict.GREYLIST, to("x@slow.example", T0).verdict());
    d = to("x@slow.example", T0 + 300);
    assertEquals(Verdict.GREYLIST, d.verdict(), "the * line's delay, not the default 300");
    assertEquals("early-retry (300s missing)", d.reason());
    assertEquals(Verdict.PREPEND, to("x@slow.example", T0 + 600).verdict());
  }

  @Test
  void senderWhitelist() {
    policies(
        "bank.example allow-sender=alerts@bank-mail.example allow-sender=@.partner.example"
            + " allow-sender=/^otp-[0-9]+@codes\\.example$/",
        "* allow-sender=@newsletter.example");
    String rcpt = "me@bank.example";
    Map<String, String> r = req("192.0.2.1", "ALERTS@bank-mail.example", rcpt);
    Decision d = g.decide(r, T0);
    assertEquals(Verdict.PASS, d.verdict());
    assertEquals("sender whitelist", d.reason());
    assertEquals("whitelist=alerts@bank-mail.example", d.detail());
    assertEquals(
        Verdict.PASS, g.decide(req("192.0.2.1", "x@eu.partner.example", rcpt), T0).verdict());
    assertEquals(
        Verdict.GREYLIST, g.decide(req("192.0.2.1", "x@partner.example", rcpt), T0).verdict());
    assertEquals(
        Verdict.PASS, g.decide(req("192.0.2.1", "otp-1234@codes.example", rcpt), T0).verdict());
    assertEquals(
        Verdict.GREYLIST, g.decide(req("192.0.2.1", "otp-x@codes.example", rcpt), T0).verdict());
    assertEquals(
        Verdict.PASS,
        g.decide(req("192.0.2.1", "n@newsletter.example", "x@any.example"), T0).verdict(),
        "the * line's senders apply to every domain");
  }

  @Test
  void neverAutoWhitelisted() {
    g.config = GreylistConfig.builder().awlClients(1).build();
    policies("strict.example never-awl=192.0.2.0/24");
    // the client earns its auto-whitelisting on another domain
    g.decide(req("192.0.2.1", "a@example.org", "x@open.example"), T0);
    g.decide(req("192.0.2.1", "a@example.org", "x@open.example"), T0 + 300);
    assertEquals("client AWL", to("y@open.example", T0 + 400).reason());
    // ...which strict.example does not honour
    Decision d = to("y@strict.example", T0 + 400);
    assertEquals(Verdict.GREYLIST, d.verdict());
    d = to("y@strict.example", T0 + 700);
    assertEquals(Verdict.PREPEND, d.verdict());
    assertEquals(1, g.clients().values().iterator().next().count(), "and its passes do not count");
  }

  @Test
  void badLinesNameTheProblem() {
    DomainPolicies.Builder b = new DomainPolicies.Builder();
    String[][] bad = {
      {"example.org", "expected a domain and at least one setting"},
      {"example.org delay", "expected SETTING=VALUE"},
      {"example.org colour=red", "unknown setting 'colour'"},
      {"example.org greylist=maybe", "expected on or off"},
      {"example.org delay=soon", "not a duration"},
      {"example.org allow-sender=nobody", "expected user@domain, @domain"},
      {"example.org allow-sender=/(/", "bad regex"},
      {"example.org never-awl=300.1.1.1/8", "never-awl=300.1.1.1/8"},
      {"user@example.org delay=1", "is not a domain"},
      {"a..b delay=1", "is not a domain"},
    };
    for (String[] c : bad) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> b.add(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
    b.add("example.org delay=1m");
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> b.add("example.org delay=2m"));
    assertTrue(twice.getMessage().contains("set twice"), twice.getMessage());
  }

  @Test
  void theMostSpecificLineWins() {
    DomainPolicies p =
        new DomainPolicies.Builder()
            .add("* greylist=off delay=5m")
            .add(".example.org greylist=on")
            .add("mail.example.org delay=1m")
            .build();
    DomainPolicies.Resolved r = p.forDomain("mail.example.org");
    assertEquals(true, r.greylist());
    assertEquals(".example.org", r.greylistEntry());
    assertEquals(60, r.delay());
    assertEquals(300, p.forDomain("x.example.org").delay());
    assertEquals(false, p.forDomain("elsewhere.example").greylist());
    assertEquals(60, p.minDelay());
    assertNull(
        new DomainPolicies.Builder().add("a.example delay=1").build().forDomain("b.example"));
  }
}
