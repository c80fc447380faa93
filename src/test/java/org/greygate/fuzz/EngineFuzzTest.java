package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.greygate.app.ChainFactory;
import org.greygate.app.PolicyConfig;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.memory.MemoryStore;
import org.greygate.whitelist.ClientWhitelist;
import org.greygate.whitelist.RecipientWhitelist;
import org.greygate.whitelist.Whitelists;

/**
 * Any sequence of requests with any attribute values and times: the engine never throws, every
 * answer encodes to exactly one reply and one decision line in either log format, and what it
 * stores is well-formed (first seen never after last seen). Fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=EngineFuzzTest -Djazzer.max_duration=10m}.
 */
class EngineFuzzTest {
  static final String[] ATTRS = {
    "client_address", "client_name", "sender", "recipient", "instance", "protocol_state"
  };
  static final Whitelists LISTS =
      new Whitelists(
          new ClientWhitelist.Builder()
              .add("example.org")
              .add("192.0.2.0/24")
              .add("/^mail[0-9]+\\./")
              .build(),
          new RecipientWhitelist.Builder().add("postmaster@").add("example.net").build());

  @FuzzTest(maxDuration = "5m")
  void anyRequests(FuzzedDataProvider data) {
    MemoryStore store = new MemoryStore();
    int delay = data.consumeInt(0, 1000);
    GreylistConfig config =
        GreylistConfig.builder()
            .delay(delay)
            .awlClients(data.consumeInt(0, 3))
            .lookupByHost(data.consumeBoolean())
            .build();
    PolicyChain chain =
        ChainFactory.create(
            new PolicyConfig(config, PolicyConfig.DUNNO, true, 4, ZoneId.of("UTC"), "f"),
            store,
            () -> LISTS,
            data.consumeBoolean() ? KeyHasher.PLAIN : KeyHasher.hmac(new byte[16]),
            Clock.systemUTC(),
            Metrics.NONE);
    long now = 1_700_000_000L;
    int n = data.consumeInt(1, 20);
    for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
      Map<String, String> m = new HashMap<>();
      m.put("request", "smtpd_access_policy");
      for (String a : ATTRS) {
        if (data.consumeBoolean()) {
          m.put(a, data.consumeBoolean() ? plausible(a, data) : data.consumeString(40));
        }
      }
      if (data.consumeBoolean()) m.put("etrn_domain", "");
      now += data.consumeLong(-100_000, 3_000_000);
      m.put("policy_test_time", Long.toString(now));
      PolicyRequest request = PolicyRequest.of(m);
      Outcome d = chain.decide(request).toCompletableFuture().join();
      assertTrue(!d.note().reason().equals("fail-open"), d.toString());
      String reply = new String(PolicyReply.encode(d), StandardCharsets.UTF_8);
      assertTrue(
          reply.startsWith("action=")
              && reply.indexOf('\n') == reply.length() - 2
              && reply.endsWith("\n\n")
              && reply.indexOf('\r') < 0,
          reply);
      // the decision line stays one line in either format, whatever the request carried
      String text = DecisionLog.format(request, d);
      String json = DecisionLog.json(request, d);
      assertTrue(text.startsWith("action=" + d.note().action() + ", reason="), text);
      assertTrue(json.startsWith("{\"action\":\"") && json.endsWith("}"), json);
      for (String line : List.of(text, json)) {
        assertTrue(
            line.chars().noneMatch(c -> c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029),
            line);
      }
      if (d instanceof Outcome.Defer defer) {
        assertTrue(defer.verb().equals(config.greylistAction()));
      }
    }
    store.forEachTriplet((k, e) -> assertTrue(e.firstSeen() <= e.lastSeen(), e.toString()));
  }

  static String plausible(String attr, FuzzedDataProvider data) {
    return switch (attr) {
      case "client_address" ->
          data.pickValue(
              new String[] {
                "192.0.2.1", "198.51.100.7", "2001:db8::1", "::ffff:10.0.0.1", "unknown", ""
              });
      case "protocol_state" -> data.pickValue(new String[] {"RCPT", "DATA", "rcpt", ""});
      default ->
          data.consumeString(10)
              + "@"
              + data.pickValue(new String[] {"example.org", "example.net", "x.test"});
    };
  }
}
