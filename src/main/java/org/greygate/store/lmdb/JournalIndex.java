package org.greygate.store.lmdb;

import java.security.SecureRandom;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongPredicate;

/**
 * The in-memory index of the first-pass journal: a triplet key's hash to the sequence number of its
 * journal row. It holds no keys, only a 24-bit fingerprint of the hash and the sequence, packed in
 * one {@code long} per slot (open addressing, linear probing, at most three quarters full: 8 bytes
 * a slot, 11 to 21 bytes an entry). A hit is only a candidate: the caller checks it against the key
 * in the journal row, so that two keys with one hash can never be taken for each other; every
 * candidate is offered until one matches.
 *
 * <p>Bounded: at most {@code cap} entries (never more than {@link #MAX_CAP}); {@link #put} says no
 * when full, and the caller then writes the row the old way. The hash is keyed with a secret drawn
 * at start, so that senders cannot choose keys that pile up in one run of slots.
 *
 * <p>Thread-safe: lookups share a read lock, changes take the write lock.
 */
final class JournalIndex {
  /** A key's 64-bit hash; the slot is chosen by its high bits, which must be well mixed. */
  @FunctionalInterface
  interface Hash {
    long of(byte[] key);
  }

  static final int SEQ_BITS = 40;
  private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;
  private static final int FP_BITS = 64 - SEQ_BITS;

  /** The largest sequence number a slot can hold (then rows go the old way). */
  static final long MAX_SEQ = SEQ_MASK - 1;

  /** Slots are chosen by the fingerprint's bits: the table has at most 2^24 slots. */
  static final int MAX_CAP = (1 << FP_BITS) / 4 * 3;

  private static final int MIN_SLOTS = 1024;

  private final Hash hash;
  private final int cap;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private long[] slots = new long[MIN_SLOTS];
  private int shift = FP_BITS - Integer.numberOfTrailingZeros(MIN_SLOTS);
  private volatile int size; // written under the write lock; read without one

  JournalIndex(int cap, Hash hash) {
    if (cap < 0) throw new IllegalArgumentException("journal index cap must be >= 0");
    this.cap = Math.min(cap, MAX_CAP);
    this.hash = hash;
  }

  /** With SipHash-2-4 under a key drawn now. */
  static JournalIndex withSecretHash(int cap) {
    SecureRandom random = new SecureRandom();
    long k0 = random.nextLong();
    long k1 = random.nextLong();
    return new JournalIndex(cap, key -> SipHash.hash(k0, k1, key));
  }

  /**
   * The default cap: 12 M entries (a table of 128 MiB when full), less when the heap is small, so
   * that the table never takes more than an eighth of it.
   */
  static int defaultCap(long maxHeap) {
    long slots = Long.highestOneBit(Math.max(MIN_SLOTS, maxHeap / 8 / Long.BYTES));
    return (int) Math.min(MAX_CAP, slots / 4 * 3);
  }

  long hash(byte[] key) {
    return hash.of(key);
  }

  int cap() {
    return cap;
  }

  /** Entries now (a volatile read: a store with an empty journal looks it up without a lock). */
  int size() {
    return size;
  }

  /** Bytes the table takes now. */
  long bytes() {
    lock.readLock().lock();
    try {
      return (long) slots.length * Long.BYTES;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Adds {@code seq} under {@code h}; {@code false} (nothing added) when the index is full or the
   * sequence too large for a slot.
   */
  boolean put(long h, long seq) {
    if (seq < 0 || seq > MAX_SEQ) return false;
    lock.writeLock().lock();
    try {
      if (size >= cap) return false;
      if (size + 1 > slots.length / 4 * 3) grow();
      insert(slots, shift, pack(h, seq));
      size++;
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * The highest sequence under {@code h} that {@code matches} accepts (the caller reads the row and
   * compares its key), or -1.
   */
  long find(long h, LongPredicate matches) {
    lock.readLock().lock();
    try {
      long[] s = slots;
      int mask = s.length - 1;
      long fp = h >>> SEQ_BITS;
      long best = -1;
      for (int i = home(fp, shift); s[i] != 0; i = (i + 1) & mask) {
        if (s[i] >>> SEQ_BITS == fp) {
          long seq = (s[i] & SEQ_MASK) - 1;
          if (seq > best && matches.test(seq)) best = seq;
        }
      }
      return best;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Removes the entry ({@code h}, {@code seq}) if present. */
  void remove(long h, long seq) {
    if (seq < 0 || seq > MAX_SEQ) return;
    long packed = pack(h, seq);
    lock.writeLock().lock();
    try {
      long[] s = slots;
      int mask = s.length - 1;
      int i = home(h >>> SEQ_BITS, shift);
      while (s[i] != packed) {
        if (s[i] == 0) return;
        i = (i + 1) & mask;
      }
      // backward shift: later entries of the run move up, so no run is ever broken by a hole
      s[i] = 0;
      for (int j = (i + 1) & mask; s[j] != 0; j = (j + 1) & mask) {
        int k = home(s[j] >>> SEQ_BITS, shift);
        boolean movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
        if (movable) {
          s[i] = s[j];
          s[j] = 0;
          i = j;
        }
      }
      size--;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void grow() {
    long[] bigger = new long[slots.length * 2];
    int newShift = shift - 1;
    for (long v : slots) {
      if (v != 0) insert(bigger, newShift, v);
    }
    slots = bigger;
    shift = newShift;
  }

  private static void insert(long[] s, int shift, long packed) {
    int mask = s.length - 1;
    int i = home(packed >>> SEQ_BITS, shift);
    while (s[i] != 0) i = (i + 1) & mask;
    s[i] = packed;
  }

  private static int home(long fp, int shift) {
    return (int) (fp >>> shift);
  }

  private static long pack(long h, long seq) {
    return (h >>> SEQ_BITS) << SEQ_BITS | (seq + 1);
  }

  /** SipHash-2-4 (Aumasson and Bernstein), 64-bit output. */
  static final class SipHash {
    private SipHash() {}

    static long hash(long k0, long k1, byte[] m) {
      long v0 = 0x736f6d6570736575L ^ k0;
      long v1 = 0x646f72616e646f6dL ^ k1;
      long v2 = 0x6c7967656e657261L ^ k0;
      long v3 = 0x7465646279746573L ^ k1;
      int end = m.length & ~7;
      for (int off = 0; off < end; off += 8) {
        long w = word(m, off, 8);
        v3 ^= w;
        for (int r = 0; r < 2; r++) {
          v0 += v1;
          v1 = Long.rotateLeft(v1, 13) ^ v0;
          v0 = Long.rotateLeft(v0, 32);
          v2 += v3;
          v3 = Long.rotateLeft(v3, 16) ^ v2;
          v0 += v3;
          v3 = Long.rotateLeft(v3, 21) ^ v0;
          v2 += v1;
          v1 = Long.rotateLeft(v1, 17) ^ v2;
          v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= w;
      }
      long last = word(m, end, m.length - end) | ((long) m.length << 56);
      v3 ^= last;
      for (int r = 0; r < 2; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= last;
      v2 ^= 0xff;
      for (int r = 0; r < 4; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      return v0 ^ v1 ^ v2 ^ v3;
    }

    /** {@code n} bytes from {@code off}, little-endian. */
    private static long word(byte[] m, int off, int n) {
      long w = 0;
      for (int i = n - 1; i >= 0; i--) w = w << 8 | (m[off + i] & 0xffL);
      return w;
    }
  }
}
