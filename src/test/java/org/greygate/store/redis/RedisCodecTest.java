package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A cluster key's slot is its unit's tag's, whatever the row's key holds; the key reads back as it
 * was written; one server's layout is as before.
 */
class RedisCodecTest {
  static final RedisCodec CLUSTER = new RedisCodec("greygate:", true);

  static final String[] HOSTILE = {
    "{",
    "}",
    "{}",
    "}{",
    "{x}",
    "{{x}}",
    "a{b}c/{d}@{e}/{f}",
    "",
    "\u0000{\u0000}",
    "{\n}",
    "ü{ß}",
    "192.0.2.0/{s}@x/{r}@y",
    "}}}}{{{{",
    "{" + "a".repeat(5000) + "}"
  };

  @Test
  void theSlotIsTheUnitsWhateverTheKeyHolds() {
    Random random = new Random(26);
    String alphabet = "{}ab/@.:\u00fc\u0000 ";
    for (int i = 0; i < 20_000; i++) {
      String key = i < HOSTILE.length ? HOSTILE[i] : randomText(random, alphabet, 40);
      String unit = i % 3 == 0 ? randomText(random, alphabet, 12) : "10." + (i % 256) + ".0.0";
      for (char table : new char[] {RedisCodec.TRIPLETS, RedisCodec.CLIENTS}) {
        String redisKey = CLUSTER.key(table, unit, key);
        assertEquals(
            SlotHash.getSlot(CLUSTER.key(table, unit, "other")),
            SlotHash.getSlot(redisKey),
            redisKey);
        assertEquals(key, CLUSTER.plainKey(redisKey), redisKey);
      }
      String window = CLUSTER.key(RedisCodec.WINDOWS, key);
      assertEquals(key, CLUSTER.plainKey(window));
      assertTrue(window.matches("(?s)greygate:w:\\{[0-9a-f]{5}\\}.*"), window);
    }
  }

  @Test
  void unitsSpreadOverTheSlots() {
    Set<Integer> slots = new HashSet<>();
    for (int i = 0; i < 65_536; i++) {
      slots.add(
          SlotHash.getSlot(
              CLUSTER.key(RedisCodec.TRIPLETS, "10." + (i >> 8) + "." + (i & 255) + ".0", "k")));
    }
    assertTrue(slots.size() > 16_000, "of 16384 slots, used: " + slots.size());
  }

  @Test
  void oneServerKeepsItsLayout() {
    RedisCodec one = new RedisCodec("greygate:");
    assertEquals("greygate:t:a{b}", one.key(RedisCodec.TRIPLETS, "unit", "a{b}"));
    assertEquals("greygate:d:3600", one.hourKey(0, "3600"));
    assertEquals("greygate:dh", one.hourIndex(0));
    assertEquals(1, one.shards());
    assertEquals("a{b}", one.plainKey("greygate:t:a{b}"));
    assertEquals("greygate:d:{7}3600", CLUSTER.hourKey(7, "3600"));
  }

  private static String randomText(Random r, String alphabet, int max) {
    StringBuilder b = new StringBuilder();
    for (int n = r.nextInt(max); n > 0; n--)
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    return b.toString();
  }
}
