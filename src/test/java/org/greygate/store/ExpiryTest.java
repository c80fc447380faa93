package org.greygate.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one expiry: when rows die, how long Redis keeps them, and the sweep's smallest delay. */
class ExpiryTest {
  static final Expiry POSTGREY = new Expiry(300, 35 * 86400, 2 * 86400);

  /** Postgrey's clean-up rules as its documentation states them, written out on their own. */
  static boolean postgreyDead(Expiry x, TripletEntry e, long now) {
    boolean notSeenForMaxAge = now - e.lastSeen() > x.maxAge();
    boolean neverPassed = e.lastSeen() - e.firstSeen() < x.delay();
    boolean notRetriedInWindow = now - e.lastSeen() > x.retryWindow();
    return notSeenForMaxAge || neverPassed && notRetriedInWindow;
  }

  @Test
  void aTripletDiesByPostgreysRules() {
    long last = 1_700_000_000L;
    TripletEntry passed = new TripletEntry(last - 300, last);
    TripletEntry pending = new TripletEntry(last - 299, last);
    // passed: kept for max-age after it was last seen, not a second longer
    assertFalse(POSTGREY.expired(passed, last + 35 * 86400));
    assertTrue(POSTGREY.expired(passed, last + 35 * 86400 + 1));
    // never passed: kept for the retry window only
    assertFalse(POSTGREY.expired(pending, last + 2 * 86400));
    assertTrue(POSTGREY.expired(pending, last + 2 * 86400 + 1));
    // seen "in the future" (the clock stepped back): alive
    assertFalse(POSTGREY.expired(passed, last - 86400));
  }

  @Test
  void aClientAndAnHourDieAfterMaxAge() {
    long last = 1_700_000_000L;
    assertFalse(POSTGREY.expired(new ClientEntry(5, last), last + 35 * 86400));
    assertTrue(POSTGREY.expired(new ClientEntry(5, last), last + 35 * 86400 + 1));
    long hour = last - last % 3600;
    assertFalse(POSTGREY.hourExpired(hour, hour + 3600 + 35 * 86400));
    assertTrue(POSTGREY.hourExpired(hour, hour + 3600 + 35 * 86400 + 1));
    // the TTL of an hour's counters, set at a write within or after the hour, outlives it
    assertTrue(POSTGREY.hourTtl() >= 3600 + 35 * 86400);
  }

  /** A row written at its last sighting with its TTL disappears from Redis as it expires here. */
  @Test
  void theTtlRunsOutExactlyWhenTheRowExpires() {
    Random random = new Random(24);
    Expiry[] all = {
      POSTGREY, new Expiry(0, 86400, 3600), new Expiry(60, 3600, 7200), new Expiry(300, 0, 0)
    };
    for (Expiry x : all) {
      for (int i = 0; i < 10_000; i++) {
        long last = 1_700_000_000L + random.nextInt(1000);
        TripletEntry t = new TripletEntry(last - random.nextInt(600), last);
        ClientEntry c = new ClientEntry(1 + random.nextInt(9), last);
        assertTrue(x.ttl(t) >= 1 && x.ttl(c) >= 1, x + " " + t);
        assertFalse(x.expired(t, last + x.ttl(t) - 1), x + " " + t);
        assertTrue(x.expired(t, last + x.ttl(t)), x + " " + t);
        assertFalse(x.expired(c, last + x.ttl(c) - 1), x + " " + c);
        assertTrue(x.expired(c, last + x.ttl(c)), x + " " + c);
        long now = last + random.nextInt(3 * 86400) - 600;
        assertEquals(postgreyDead(x, t, now), x.expired(t, now), x + " " + t + " at " + now);
      }
    }
  }

  @Test
  void theSweepCountsTheSmallestDomainDelayAsAPass() {
    Expiry x = POSTGREY;
    assertSame(x, x.withMinDelay(-1), "no domain has a delay of its own");
    assertSame(x, x.withMinDelay(300), "none shorter");
    assertSame(x, x.withMinDelay(600), "none shorter");
    assertEquals(new Expiry(60, x.maxAge(), x.retryWindow()), x.withMinDelay(60));
    // no delay: a pass at first sight, so a row seen once is no sign of a pass
    assertEquals(new Expiry(1, x.maxAge(), x.retryWindow()), x.withMinDelay(0));
    long last = 1_700_000_000L;
    TripletEntry waited60 = new TripletEntry(last - 60, last);
    assertTrue(x.expired(waited60, last + 2 * 86400 + 1));
    assertFalse(x.withMinDelay(60).expired(waited60, last + 2 * 86400 + 1));
    TripletEntry seenOnce = new TripletEntry(last, last);
    assertTrue(x.withMinDelay(0).expired(seenOnce, last + 2 * 86400 + 1));
  }
}
