package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JournalIndexTest {
  /** Against a map, with hashes from a small set so that runs collide, wrap and shift back. */
  @Test
  void putFindRemoveAgreeWithAMapUnderCollisions() {
    Random r = new Random(8);
    JournalIndex ix = new JournalIndex(1_000_000, k -> 0);
    Map<Long, Long> model = new HashMap<>(); // seq -> hash
    long[] hashes = new long[64];
    for (int i = 0; i < hashes.length; i++) hashes[i] = r.nextLong() | (i == 0 ? -1L << 63 : 0);
    long seq = 0;
    for (int step = 0; step < 200_000; step++) {
      if (model.isEmpty() || r.nextInt(3) > 0 && model.size() < 5000) {
        long h = hashes[r.nextInt(hashes.length)];
        assertTrue(ix.put(h, seq));
        model.put(seq++, h);
      } else {
        Long victim = model.keySet().stream().skip(r.nextInt(model.size())).findFirst().get();
        ix.remove(model.remove(victim), victim);
      }
      if (step % 97 == 0) {
        for (var e : model.entrySet()) {
          long want = e.getKey();
          assertEquals(want, ix.find(e.getValue(), s -> s == want), "seq " + want);
        }
        assertEquals(model.size(), ix.size());
      }
    }
  }

  @Test
  void findOffersEveryCandidateAndTakesTheHighestMatch() {
    JournalIndex ix = new JournalIndex(100, k -> 0);
    ix.put(7L << 40, 1);
    ix.put(7L << 40, 2);
    ix.put(7L << 40, 3);
    assertEquals(2, ix.find(7L << 40, s -> s == 1 || s == 2));
    assertEquals(-1, ix.find(7L << 40, s -> false));
    assertEquals(-1, ix.find(8L << 40, s -> true));
  }

  @Test
  void aFullIndexSaysNo() {
    JournalIndex ix = new JournalIndex(2, k -> 0);
    assertTrue(ix.put(1, 1));
    assertTrue(ix.put(2, 2));
    assertFalse(ix.put(3, 3));
    ix.remove(1, 1);
    assertTrue(ix.put(3, 3));
    assertFalse(ix.put(4, JournalIndex.MAX_SEQ + 1), "a sequence too large for a slot");
  }

  @Test
  void theDefaultCapIsAnEighthOfTheHeapAtMost() {
    assertEquals(JournalIndex.MAX_CAP, JournalIndex.defaultCap(8L << 30));
    // 256 MiB of heap: a table of 2^22 slots (32 MiB, an eighth), three quarters of them
    assertEquals((1 << 22) / 4 * 3, JournalIndex.defaultCap(256L << 20));
  }

  /** The reference vector of the SipHash paper (key 00..0f, message 00..0e). */
  @Test
  void sipHashGivesTheReferenceValue() {
    long k0 = 0x0706050403020100L;
    long k1 = 0x0f0e0d0c0b0a0908L;
    byte[] m = new byte[15];
    for (int i = 0; i < m.length; i++) m[i] = (byte) i;
    assertEquals(0xa129ca6149be45e5L, JournalIndex.SipHash.hash(k0, k1, m));
    assertTrue(
        JournalIndex.SipHash.hash(k0, k1, "a".getBytes(StandardCharsets.UTF_8))
            != JournalIndex.SipHash.hash(k0, k1 + 1, "a".getBytes(StandardCharsets.UTF_8)));
  }
}
