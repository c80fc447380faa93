package org.greygate.store.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.greygate.store.TripletEntry;
import org.junit.jupiter.api.Test;

/** Triplet rows and journal rows on disk, as written now and as written before attempts. */
class LmdbCodecTest {
  static final long T0 = 1_800_000_000L;
  static final byte[] KEY = "192.0.2/a@example.org/b@example.net".getBytes(StandardCharsets.UTF_8);

  /** A journal row as written before the count was kept: first, last, then the key. */
  static byte[] oldJournalRow(byte[] key, long first, long last) {
    return ByteBuffer.allocate(16 + key.length).putLong(first).putLong(last).put(key).array();
  }

  @Test
  void aTripletRowCarriesItsAttemptsAndAnOldOneReadsAsNotKnown() {
    TripletEntry e = new TripletEntry(T0, T0 + 60, 7);
    byte[] v = LmdbCodec.triplet(e);
    assertEquals(24, v.length);
    assertEquals(e, LmdbCodec.triplet(v));
    byte[] old = ByteBuffer.allocate(16).putLong(T0).putLong(T0 + 60).array();
    assertEquals(new TripletEntry(T0, T0 + 60, 0), LmdbCodec.triplet(old));
    assertNull(LmdbCodec.triplet(new byte[20]));
    assertNull(LmdbCodec.triplet(new byte[32]));
  }

  @Test
  void aJournalRowCarriesItsAttemptsAndAnOldOneReadsAsNotKnown() {
    byte[] v = LmdbCodec.journal(KEY, T0, T0 + 60, 2);
    assertEquals(new TripletEntry(T0, T0 + 60, 2), LmdbCodec.journalTriplet(v));
    assertArrayEquals(KEY, LmdbCodec.journalKey(v));
    assertTrue(LmdbCodec.journalOf(v, KEY));

    byte[] old = oldJournalRow(KEY, T0, T0 + 60);
    assertEquals(new TripletEntry(T0, T0 + 60, 0), LmdbCodec.journalTriplet(old));
    assertArrayEquals(KEY, LmdbCodec.journalKey(old));
    assertTrue(LmdbCodec.journalOf(old, KEY));
  }

  /**
   * An old row of a key whose bytes 0-7 look like an attempts field is never read as a new row of
   * the rest of that key: a new row is marked by a byte no UTF-8 key begins with.
   */
  @Test
  void anOldJournalRowIsNeverTakenForANewRowOfAnotherKey() {
    byte[] longer = "12345678192.0.2/a@example.org/b@example.net".getBytes(StandardCharsets.UTF_8);
    byte[] old = oldJournalRow(longer, T0, T0);
    assertFalse(LmdbCodec.journalOf(old, KEY));
    assertArrayEquals(longer, LmdbCodec.journalKey(old));
    byte[] fresh = LmdbCodec.journal(KEY, T0, T0, 1);
    byte[] tail = java.util.Arrays.copyOfRange(fresh, 16, fresh.length);
    assertFalse(LmdbCodec.journalOf(fresh, tail), "a new row is not an old row of a longer key");
  }

  @Test
  void aJournalRowTooShortForAKeyIsNotOurs() {
    assertNull(LmdbCodec.journalTriplet(new byte[16]));
    byte[] markedNoKey = LmdbCodec.journal(new byte[0], T0, T0, 1);
    assertEquals(24, markedNoKey.length);
    assertNull(LmdbCodec.journalTriplet(markedNoKey));
    assertEquals(-1, LmdbCodec.journalKeyAt(markedNoKey));
  }
}
