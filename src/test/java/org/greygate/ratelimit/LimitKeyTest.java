package org.greygate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What an admin types, matched against the values counters are stored under. */
class LimitKeyTest {
  @Test
  void anAddressIsItsOwnNetworkAndPartOfTheWiderOnes() {
    LimitKey k = LimitKey.parse("203.0.113.7");
    assertEquals("203.0.113.7/32", k.exact());
    assertTrue(k.is("203.0.113.7/32"));
    assertTrue(k.within("203.0.113.0/24"));
    assertTrue(k.within("203.0.0.0/16"));
    assertFalse(k.within("203.0.114.0/24"));
    assertFalse(k.within("203.0.113.7/32"), "its own key is not 'within'");
    assertFalse(k.within("2001:db8::/64"));
    assertFalse(k.within("alice@example.org"));
  }

  @Test
  void aNetworkIsWrittenAsTheStoreWritesIt() {
    assertEquals("203.0.113.0/24", LimitKey.parse("203.0.113.9/24").exact());
    LimitKey v6 = LimitKey.parse("2001:DB8::1/64");
    assertEquals("2001:db8::/64", v6.exact());
    assertTrue(v6.is("2001:db8::/64"));
    assertTrue(v6.within("2001:db8::/48"));
    assertFalse(v6.within("2001:db8::/64"));
    assertTrue(LimitKey.parse("2001:db8::1").within("2001:db8::/64"));
    // not a network: the words as typed, lower case
    assertEquals("203.0.113.7/33", LimitKey.parse("203.0.113.7/33").exact());
    assertNull(LimitKey.parse("203.0.113.7/33").ip());
    assertFalse(LimitKey.parse("203.0.113.7/33").within("203.0.113.0/24"));
    assertFalse(LimitKey.parse("1.2.3.4/").within("1.2.3.0/24"));
  }

  @Test
  void aMailAddressIsPartOfItsDomain() {
    LimitKey k = LimitKey.parse("Alice@Example.ORG");
    assertTrue(k.is("alice@example.org"));
    assertTrue(k.within("example.org"));
    assertFalse(k.within("example.net"));
    assertFalse(LimitKey.parse("example.org").within("example.org"));
    assertTrue(LimitKey.parse("example.org").is("example.org"));
    assertFalse(LimitKey.parse("alice@").within(""));
  }
}
