package org.greygate.store.lmdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.greygate.store.ClientEntry;
import org.greygate.store.DecisionCount;
import org.greygate.store.TripletEntry;

/**
 * How rows look on disk. Triplets: UTF-8 key, value three big-endian longs (first seen, last seen,
 * attempts); a 16-byte value (first and last seen, written before the count was kept) reads with
 * attempts 0, not known. Clients: UTF-8 key, value two big-endian longs (count, last seen).
 * Decision counters: key = hour (8 bytes big-endian, so keys sort by hour) + action + NUL + reason,
 * value one long. Windowed counters: see {@code WindowCounter}. The first-pass journal: key =
 * sequence number (8 bytes big-endian, so rows sort by arrival), value = first seen, last seen (two
 * big-endian longs), the attempts as a big-endian long whose top byte is {@code 0xff} ({@link
 * #JOURNAL_ATTEMPTS}), then the triplet's key as in the triplet table. A row written before the
 * count was kept has no attempts field: its key follows last seen directly. The two cannot be taken
 * for each other: no UTF-8 text has a {@code 0xff} byte, so an older row's key never begins with
 * one.
 */
final class LmdbCodec {
  static final int MAX_KEY = org.greygate.store.RowLimits.MAX_KEY_BYTES;

  private LmdbCodec() {}

  /** UTF-8 key; one longer than LMDB's 511-byte limit is replaced by '~' + its SHA-256. */
  static byte[] key(String key) {
    byte[] b = key.getBytes(StandardCharsets.UTF_8);
    if (b.length <= MAX_KEY) {
      return b;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(b);
      return ("~" + HexFormat.of().formatHex(digest)).getBytes(StandardCharsets.US_ASCII);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** The top byte of a journal row's attempts field (never the first byte of a UTF-8 key). */
  static final long JOURNAL_ATTEMPTS = 0xffL << 56;

  static byte[] triplet(TripletEntry e) {
    return ByteBuffer.allocate(24)
        .putLong(e.firstSeen())
        .putLong(e.lastSeen())
        .putLong(e.attempts())
        .array();
  }

  static byte[] client(ClientEntry e) {
    return pair(e.count(), e.lastSeen());
  }

  /**
   * The triplet in a value (24 bytes; 16 from before the count was kept: attempts 0), or {@code
   * null} if the value is not one of ours.
   */
  static TripletEntry triplet(byte[] v) {
    if (v == null) return null;
    if (v.length == 24) return new TripletEntry(longAt(v, 0), longAt(v, 8), longAt(v, 16));
    return v.length == 16 ? new TripletEntry(longAt(v, 0), longAt(v, 8), 0) : null;
  }

  static ClientEntry client(byte[] v) {
    return v == null || v.length != 16 ? null : new ClientEntry(longAt(v, 0), longAt(v, 8));
  }

  static byte[] pair(long a, long b) {
    return ByteBuffer.allocate(16).putLong(a).putLong(b).array();
  }

  static long longAt(byte[] v, int offset) {
    return ByteBuffer.wrap(v, offset, 8).getLong();
  }

  static byte[] decisionKey(long hour, String action, String reason) {
    byte[] a = action.getBytes(StandardCharsets.UTF_8);
    byte[] r = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(a.length + 1 + r.length, MAX_KEY - 8);
    ByteBuffer b = ByteBuffer.allocate(8 + n).putLong(hour);
    b.put(a, 0, Math.min(a.length, n));
    if (a.length < n) {
      b.put((byte) 0);
      b.put(r, 0, n - a.length - 1);
    }
    return b.array();
  }

  static byte[] hourKey(long hour) {
    return ByteBuffer.allocate(8).putLong(hour).array();
  }

  static long hourOf(byte[] decisionKey) {
    return decisionKey.length < 8 ? Long.MIN_VALUE : longAt(decisionKey, 0);
  }

  /** The counter in a row, or {@code null} if the row is not one of ours. */
  static DecisionCount decision(byte[] k, byte[] v) {
    if (k.length < 9 || v == null || v.length != 8) return null;
    String rest = new String(k, 8, k.length - 8, StandardCharsets.UTF_8);
    int nul = rest.indexOf('\0');
    if (nul < 0) return null;
    return new DecisionCount(
        longAt(k, 0), rest.substring(0, nul), rest.substring(nul + 1), longAt(v, 0));
  }

  static byte[] seqKey(long seq) {
    return ByteBuffer.allocate(8).putLong(seq).array();
  }

  /** A journal row's value: the triplet, then its key. */
  static byte[] journal(byte[] key, long firstSeen, long lastSeen, long attempts) {
    return ByteBuffer.allocate(24 + key.length)
        .putLong(firstSeen)
        .putLong(lastSeen)
        .putLong(JOURNAL_ATTEMPTS | (attempts & ~JOURNAL_ATTEMPTS))
        .put(key)
        .array();
  }

  /**
   * Where the key begins in a journal row: 24, or 16 in a row from before the count was kept; -1
   * when the row is not one of ours (too short for a key).
   */
  static int journalKeyAt(byte[] v) {
    if (v == null || v.length <= 16) return -1;
    if (v[16] != (byte) 0xff) return 16;
    return v.length > 24 ? 24 : -1;
  }

  /** Whether the journal row {@code v} is the row of {@code key}. */
  static boolean journalOf(byte[] v, byte[] key) {
    int at = journalKeyAt(v);
    return at > 0
        && v.length == at + key.length
        && java.util.Arrays.equals(v, at, v.length, key, 0, key.length);
  }

  /** The triplet of a journal row, or {@code null} if the row is not one of ours. */
  static TripletEntry journalTriplet(byte[] v) {
    int at = journalKeyAt(v);
    if (at < 0) return null;
    long attempts = at == 24 ? longAt(v, 16) & ~JOURNAL_ATTEMPTS : 0;
    return new TripletEntry(longAt(v, 0), longAt(v, 8), attempts);
  }

  /** The triplet key of a journal row (bytes as in the triplet table); the row must be ours. */
  static byte[] journalKey(byte[] v) {
    return java.util.Arrays.copyOfRange(v, journalKeyAt(v), v.length);
  }

  static byte[] count(long n) {
    return ByteBuffer.allocate(8).putLong(n).array();
  }
}
