package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.protocol.PolicyRequest;
import org.junit.jupiter.api.Test;

class PolicyContextTest {
  static final ContextKey<String> NAME = ContextKey.named("name");
  static final ContextKey<Integer> COUNT = ContextKey.named("count");

  static PolicyContext context() {
    return new PolicyContext(PolicyRequest.of(Map.of("request", "smtpd_access_policy")), 1000);
  }

  @Test
  void valuesAreKeptPerKeyAndTyped() {
    PolicyContext c = context();
    assertNull(c.get(NAME));
    c.set(NAME, "a");
    c.set(COUNT, 3);
    String name = c.get(NAME); // no cast
    int count = c.get(COUNT);
    assertEquals("a", name);
    assertEquals(3, count);
    c.set(NAME, "b");
    assertEquals("b", c.get(NAME));
    assertNull(context().get(NAME), "each request has its own values");
  }

  @Test
  void computeIfAbsentComputesOnce() {
    PolicyContext c = context();
    AtomicInteger calls = new AtomicInteger();
    String first = c.computeIfAbsent(NAME, x -> "v" + calls.incrementAndGet());
    String again = c.computeIfAbsent(NAME, x -> "v" + calls.incrementAndGet());
    assertSame(first, again);
    assertEquals(1, calls.get());
  }

  @Test
  void twoKeysOfOneNameAreTwoKeys() {
    ContextKey<String> other = ContextKey.named("name");
    PolicyContext c = context();
    c.set(NAME, "mine");
    assertNull(c.get(other));
  }

  @Test
  void keysDeclaredAfterAContextWasFilledStillFit() {
    PolicyContext c = context();
    c.set(NAME, "x");
    List<ContextKey<Integer>> more = new ArrayList<>();
    for (int i = 0; i < 20; i++) more.add(ContextKey.named("k" + i));
    for (int i = 0; i < more.size(); i++) c.set(more.get(i), i);
    for (int i = 0; i < more.size(); i++) assertEquals(i, c.get(more.get(i)));
    assertEquals("x", c.get(NAME));
  }

  @Test
  void nullIsNoValue() {
    assertThrows(IllegalArgumentException.class, () -> context().set(NAME, null));
  }
}
