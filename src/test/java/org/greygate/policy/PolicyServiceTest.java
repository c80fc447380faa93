package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.MemoryStore;
import org.greygate.greylist.RecentInstances;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.StoreException;
import org.greygate.store.TripletEntry;
import org.greygate.whitelist.Whitelists;
import org.junit.jupiter.api.Test;

class PolicyServiceTest {
  static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

  static PolicyService service(MemoryStore store, boolean trust) {
    GreylistEngine engine =
        new GreylistEngine(
            GreylistConfig.defaults(),
            store,
            KeyHasher.PLAIN,
            new RecentInstances(10),
            ZoneId.of("UTC"),
            "t");
    return new PolicyService(engine, () -> Whitelists.EMPTY, CLOCK, trust, "DUNNO");
  }

  static PolicyRequest request(String testTime) {
    Map<String, String> m = new HashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "192.0.2.1");
    m.put("client_name", "x.example");
    m.put("sender", "a@example.org");
    m.put("recipient", "b@example.net");
    if (testTime != null) m.put("policy_test_time", testTime);
    return PolicyRequest.of(m);
  }

  @Test
  void policyTestTimeIsIgnoredUnlessTrusted() {
    MemoryStore store = new MemoryStore();
    PolicyService untrusted = service(store, false);
    assertTrue(untrusted.answer(request(null)).startsWith("DEFER_IF_PERMIT"));
    // a client claiming a time far in the future cannot skip the delay
    assertTrue(untrusted.answer(request("1800000000")).startsWith("DEFER_IF_PERMIT"));
    assertEquals(
        new TripletEntry(1_700_000_000L, 1_700_000_000L), store.triplets.firstEntry().getValue());

    PolicyService trusted = service(store, true);
    assertTrue(trusted.answer(request("1700000400")).startsWith("PREPEND"));
    // an unparsable test time falls back to the clock (1_700_000_000): 0 s waited, greylisted
    assertTrue(trusted.answer(request("garbage")).startsWith("DEFER_IF_PERMIT"));
  }

  @Test
  void storeFailureFailsOpenAndIsCounted() {
    MemoryStore broken =
        new MemoryStore() {
          @Override
          public synchronized TripletEntry getTriplet(String key) {
            throw new StoreException("disk on fire");
          }
        };
    PolicyService s = service(broken, false);
    assertEquals("DUNNO", s.answer(request(null)));
    assertEquals("DUNNO", s.answer(request(null)));
    assertEquals(2, s.storeFailures());
  }

  @Test
  void otherRequestTypesGetDunno() {
    assertEquals(
        "DUNNO",
        service(new MemoryStore(), false).answer(PolicyRequest.of(Map.of("request", "junk"))));
  }
}
