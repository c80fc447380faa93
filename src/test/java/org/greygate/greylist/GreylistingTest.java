package org.greygate.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.greygate.app.ChainFactory;
import org.greygate.app.PolicyConfig;
import org.greygate.metrics.Metrics;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.memory.MemoryStore;
import org.greygate.whitelist.ClientWhitelist;
import org.greygate.whitelist.RecipientWhitelist;
import org.greygate.whitelist.Whitelists;
import org.junit.jupiter.api.Test;

/** The greylisting policies through the chain the daemon builds, on an in-memory store. */
class GreylistingTest {
  static final long T0 = 1_700_000_000L;
  MemoryStore store = new MemoryStore();
  GreylistConfig config = GreylistConfig.defaults();
  Whitelists whitelists = Whitelists.EMPTY;
  KeyHasher hasher = KeyHasher.PLAIN;

  enum Verdict {
    GREYLIST,
    PREPEND,
    PASS,
    NOT_APPLICABLE
  }

  /** One answer, seen the way the tests ask about it. */
  record Decision(Outcome outcome) {
    Verdict verdict() {
      if (outcome instanceof Outcome.Defer) return Verdict.GREYLIST;
      if (outcome instanceof Outcome.Prepend) return Verdict.PREPEND;
      return outcome.note().reason().equals("not applicable")
          ? Verdict.NOT_APPLICABLE
          : Verdict.PASS;
    }

    String reason() {
      return verdict() == Verdict.NOT_APPLICABLE
          ? outcome.note().detail()
          : outcome.note().reasonText();
    }

    String action() {
      return PolicyReply.action(outcome);
    }

    String detail() {
      return String.join(", ", outcome.note().fields());
    }
  }

  PolicyChain chain() {
    return ChainFactory.create(
        new PolicyConfig(config, PolicyConfig.DUNNO, true, 100, java.time.ZoneId.of("UTC"), "1.0"),
        store,
        () -> whitelists,
        hasher,
        Clock.systemUTC(),
        Metrics.NONE);
  }

  static Decision decide(PolicyChain chain, Map<String, String> m, long now) {
    Map<String, String> timed = new HashMap<>(m);
    timed.put("policy_test_time", Long.toString(now));
    return new Decision(chain.decide(PolicyRequest.of(timed)).toCompletableFuture().join());
  }

  TreeMap<String, TripletEntry> triplets() {
    TreeMap<String, TripletEntry> out = new TreeMap<>();
    store.forEachTriplet(out::put);
    return out;
  }

  TreeMap<String, ClientEntry> clients() {
    TreeMap<String, ClientEntry> out = new TreeMap<>();
    store.forEachClient(out::put);
    return out;
  }

  static Map<String, String> req(String client, String sender, String rcpt) {
    Map<String, String> m = new HashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", client);
    m.put("client_name", "mx.example.org");
    m.put("sender", sender);
    m.put("recipient", rcpt);
    m.put("instance", "i-" + client + sender + rcpt);
    return m;
  }

  Decision decide(Map<String, String> m, long now) {
    return decide(chain(), m, now);
  }

  Decision decide(long now) {
    return decide(req("192.0.2.1", "a@example.org", "b@example.net"), now);
  }

  @Test
  void newTripletIsGreylistedThenPassesAfterDelayWithHeaderOnce() {
    Decision d = decide(T0);
    assertEquals(Verdict.GREYLIST, d.verdict());
    assertEquals("new", d.reason());
    assertEquals("DEFER_IF_PERMIT Greylisted, please try again in 300 seconds", d.action());

    d = decide(T0 + 100);
    assertEquals(Verdict.GREYLIST, d.verdict());
    assertEquals("early-retry (200s missing)", d.reason());

    d = decide(T0 + 300);
    assertEquals(Verdict.PREPEND, d.verdict());
    assertEquals("delay=300", d.detail());
    assertEquals(
        "PREPEND X-Greylist: delayed 300 seconds by greygate-1.0 at localhost; Tue, 14 Nov 2023 22:18:20 UTC",
        d.action());

    d = decide(T0 + 400);
    assertEquals(Verdict.PASS, d.verdict());
    assertEquals("triplet found", d.reason());
    assertEquals("DUNNO", d.action());
  }

  @Test
  void headerOncePerMessageInstanceAcrossRecipients() {
    PolicyChain e = chain();
    Map<String, String> r1 = req("192.0.2.1", "a@example.org", "b@example.net");
    Map<String, String> r2 = req("192.0.2.1", "a@example.org", "c@example.net");
    r1.put("instance", "msg1");
    r2.put("instance", "msg1");
    decide(e, r1, T0);
    decide(e, r2, T0);
    assertEquals(Verdict.PREPEND, decide(e, r1, T0 + 300).verdict());
    assertEquals(Verdict.PASS, decide(e, r2, T0 + 300).verdict());
  }

  @Test
  void etrnDomainAddsDsnCodeAndTextSubstitutes() {
    config =
        new GreylistConfig(
            300, 35 * 86400, 2 * 86400, false, 24, 64, "DEFER", "wait %s s for %r", "H: x", 5, "h");
    Map<String, String> m = req("192.0.2.1", "a@example.org", "b@Sub.Example.net");
    m.put("etrn_domain", "");
    assertEquals("DEFER 4.2.0 wait 300 s for Sub.Example.net", decide(m, T0).action());
    config =
        new GreylistConfig(
            300, 35 * 86400, 2 * 86400, false, 24, 64, "DEFER", "451 4.7.1 x", "H: x", 5, "h");
    assertEquals("DEFER 451 4.7.1 x", decide(m, T0 + 1).action());
  }

  @Test
  void repeatedReplyTextsFollowTheDomainTheDelayAndTheDsnCode() {
    config =
        new GreylistConfig(
            300, 35 * 86400, 2 * 86400, false, 24, 64, "DEFER", "wait %s s for %r", "H: x", 5, "h");
    PolicyChain chain = chain(); // one chain: its texts are remembered between answers
    Map<String, String> a = req("192.0.2.1", "a@example.org", "b@example.net");
    Map<String, String> b = req("192.0.2.1", "a@example.org", "b@example.com");
    Map<String, String> c = req("192.0.2.1", "a@example.org", "c@example.com");
    c.put("etrn_domain", "");
    assertEquals("DEFER wait 300 s for example.net", decide(chain, a, T0).action());
    assertEquals("DEFER wait 300 s for example.com", decide(chain, b, T0).action());
    assertEquals("DEFER wait 299 s for example.com", decide(chain, b, T0 + 1).action());
    assertEquals("DEFER 4.2.0 wait 300 s for example.com", decide(chain, c, T0 + 1).action());
    assertEquals("DEFER wait 298 s for example.net", decide(chain, a, T0 + 2).action());
    Map<String, String> longer = req("192.0.2.1", "a@example.org", "b@example.net.uk");
    assertEquals("DEFER wait 300 s for example.net.uk", decide(chain, longer, T0 + 2).action());
  }

  @Test
  void sameSubnetSharesTheTriplet() {
    decide(req("192.0.2.1", "a@example.org", "b@example.net"), T0);
    assertEquals(
        Verdict.PREPEND,
        decide(req("192.0.2.200", "a@example.org", "b@example.net"), T0 + 300).verdict());
    assertEquals(
        Verdict.GREYLIST,
        decide(req("192.0.3.1", "a@example.org", "b@example.net"), T0 + 301).verdict());
    assertTrue(triplets().containsKey("192.0.2.0/a@example.org/b@example.net"));
  }

  @Test
  void ipv6GroupsBySlash64AndKeysLikePostgrey() {
    decide(req("2001:db8:1:2::1", "A@Example.org", "B@example.NET"), T0);
    assertTrue(
        triplets().containsKey("2001:db8:1:2:0:0:0:0/a@example.org/b@example.net"),
        triplets().toString());
    assertEquals(
        Verdict.PREPEND,
        decide(req("2001:db8:1:2:ffff::9", "a@example.org", "b@example.net"), T0 + 300).verdict());
  }

  @Test
  void lookupByHostKeysTheFullAddress() {
    config = config.toBuilder().lookupByHost(true).build();
    decide(req("192.0.2.1", "a@example.org", "b@example.net"), T0);
    assertTrue(triplets().containsKey("192.0.2.1/32/a@example.org/b@example.net"));
    assertEquals(
        Verdict.GREYLIST,
        decide(req("192.0.2.2", "a@example.org", "b@example.net"), T0 + 300).verdict());
  }

  @Test
  void senderVariantsShareATriplet() {
    decide(req("192.0.2.1", "bounce-123@example.org", "b@example.net"), T0);
    assertEquals(
        Verdict.PREPEND,
        decide(req("192.0.2.1", "bounce-456@example.org", "b@example.net"), T0 + 300).verdict());
  }

  @Test
  void retryAfterTheWindowStartsOver() {
    decide(T0);
    Decision d = decide(T0 + 2 * 86400 + 1);
    assertEquals(Verdict.GREYLIST, d.verdict());
    assertEquals("new", d.reason());
    assertEquals(Verdict.PREPEND, decide(T0 + 2 * 86400 + 301).verdict());
  }

  @Test
  void passedTripletStaysKnownUntilMaxAge() {
    decide(T0);
    decide(T0 + 300);
    assertEquals(Verdict.PASS, decide(T0 + 30 * 86400).verdict());
    assertEquals(Verdict.PASS, decide(T0 + 60 * 86400).verdict()); // last seen moved at 30 d
    assertEquals(Verdict.GREYLIST, decide(T0 + 96 * 86400).verdict()); // 36 d unseen
  }

  @Test
  void firstSeenInTheFutureIsCorrected() {
    decide(T0 + 1000);
    Decision d = decide(T0);
    assertEquals(Verdict.GREYLIST, d.verdict());
    assertEquals("new", d.reason());
  }

  @Test
  void zeroDelayPassesAtOnce() {
    config = config.toBuilder().delay(0).build();
    assertEquals(Verdict.PREPEND, decide(T0).verdict());
  }

  @Test
  void clientIsAutoWhitelistedAfterNPassesAtMostOneAnHour() {
    config = config.toBuilder().awlClients(2).build();
    long t = T0;
    for (int i = 0; i < 2; i++) {
      Map<String, String> m = req("192.0.2.1", "s" + i + "@example.org", "b@example.net");
      decide(m, t);
      Decision d = decide(m, t + 300);
      assertEquals(Verdict.PREPEND, d.verdict());
      assertEquals(i + 1, clients().get("192.0.2.1").count());
      t += 3600;
    }
    Decision d = decide(req("192.0.2.1", "new@example.org", "x@example.net"), t);
    assertEquals(Verdict.PASS, d.verdict());
    assertEquals("client AWL", d.reason());
    // the AWL is by address, not subnet
    assertEquals(
        Verdict.GREYLIST,
        decide(req("192.0.2.2", "new@example.org", "x@example.net"), t).verdict());
  }

  @Test
  void awlCountsOncePerHour() {
    config = config.toBuilder().awlClients(2).build();
    for (int i = 0; i < 2; i++) {
      Map<String, String> m = req("192.0.2.1", "s" + i + "@example.org", "b@example.net");
      decide(m, T0);
      decide(m, T0 + 300 + i); // both passes within the same hour
    }
    assertEquals(1, clients().get("192.0.2.1").count());
    assertEquals(
        Verdict.GREYLIST,
        decide(req("192.0.2.1", "n@example.org", "x@example.net"), T0 + 400).verdict());
  }

  @Test
  void awlOffWithZero() {
    config = config.toBuilder().awlClients(0).build();
    decide(T0);
    decide(T0 + 300);
    assertTrue(clients().isEmpty());
  }

  @Test
  void whitelistsPassWithoutTouchingTheStore() {
    whitelists =
        new Whitelists(
            new ClientWhitelist.Builder().add("example.org").build(), RecipientWhitelist.EMPTY);
    Decision d = decide(T0);
    assertEquals(Verdict.PASS, d.verdict());
    assertEquals("client whitelist", d.reason());
    whitelists =
        new Whitelists(
            ClientWhitelist.EMPTY, new RecipientWhitelist.Builder().add("postmaster@").build());
    d = decide(req("192.0.2.1", "a@example.org", "postmaster@example.net"), T0);
    assertEquals("recipient whitelist", d.reason());
    assertTrue(triplets().isEmpty());
  }

  @Test
  void notApplicableCases() {
    Map<String, String> m = req("192.0.2.1", "a@example.org", "b@example.net");
    m.put("protocol_state", "DATA");
    assertEquals(Verdict.NOT_APPLICABLE, decide(m, T0).verdict());
    m = req("192.0.2.1", "a@example.org", "b@example.net");
    m.remove("sender");
    Decision d = decide(m, T0);
    assertEquals(Verdict.NOT_APPLICABLE, d.verdict());
    assertEquals("attribute missing: sender", d.reason());
    m = req("not-an-ip", "a@example.org", "b@example.net");
    assertEquals(Verdict.NOT_APPLICABLE, decide(m, T0).verdict());
    assertTrue(triplets().isEmpty());
    // no protocol_state at all (test clients, Exim) is judged like RCPT, as Postgrey does
    m = req("192.0.2.1", "a@example.org", "b@example.net");
    m.remove("protocol_state");
    assertEquals(Verdict.GREYLIST, decide(m, T0).verdict());
  }

  @Test
  void emptySenderIsGreylistedToo() {
    assertEquals(Verdict.GREYLIST, decide(req("192.0.2.1", "", "b@example.net"), T0).verdict());
    assertTrue(triplets().containsKey("192.0.2.0//b@example.net"));
  }

  @Test
  void privacyHashesKeys() {
    hasher = KeyHasher.hmac(new byte[32]);
    decide(req("192.0.2.1", "a@example.org", "b@example.net"), T0);
    String key = triplets().firstKey();
    assertEquals(64, key.length());
    assertFalse(key.contains("example"));
  }
}
