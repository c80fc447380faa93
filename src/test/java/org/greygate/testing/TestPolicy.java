package org.greygate.testing;

import java.time.Clock;
import java.time.ZoneId;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.policy.PolicyService;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;

/** The decision side as the daemon wires it, for in-process server tests: no whitelists, UTC. */
public final class TestPolicy {
  private TestPolicy() {}

  /**
   * @param trustTestTime honour policy_test_time (tests that set the clock per request)
   */
  public static PolicyService service(
      TripletStore store, GreylistConfig config, boolean trustTestTime) {
    GreylistEngine engine =
        new GreylistEngine(
            config, store, KeyHasher.PLAIN, new RecentInstances(1000), ZoneId.of("UTC"), "test");
    return new PolicyService(
        engine, () -> Whitelists.EMPTY, Clock.systemUTC(), trustTestTime, "DUNNO");
  }
}
