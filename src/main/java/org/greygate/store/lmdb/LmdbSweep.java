package org.greygate.store.lmdb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.greygate.store.ClientEntry;
import org.greygate.store.Expiry;
import org.greygate.store.SweepProgress;
import org.greygate.store.TripletEntry;
import org.greygate.store.WindowCounter;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * One bounded slice of the expiry sweep, inside the writer's transaction: visits at most {@code
 * limit} rows of one table after the cursor, deletes the dead ones, and says where to go on. A row
 * that is not one of ours (wrong value size) is dropped, not trusted.
 *
 * <p>The first-pass journal is not walked: its rows are in arrival order, so the dead ones are at
 * its head. Each slice of the triplet table first deletes up to {@code limit} dead rows from the
 * head, stopping at the first live one (a row that never passed lives the retry window after it was
 * last seen, as the request's rule counts it).
 */
final class LmdbSweep {
  private static final Table[] ORDER = {
    Table.TRIPLETS, Table.CLIENTS, Table.WINDOWS, Table.DECISIONS
  };

  private LmdbSweep() {}

  static SweepProgress slice(
      LmdbEnvironment env,
      Txn<ByteBuffer> txn,
      Expiry rule,
      long now,
      SweepProgress p,
      int limit,
      LmdbWriter.Expired expired) {
    if (p.finished()) {
      return p;
    }
    long headDeleted = p.table() == 0 ? expireJournalHead(env, txn, rule, now, limit, expired) : 0;
    if (headDeleted > 0) {
      p =
          new SweepProgress(
              p.table(), p.afterKey(), p.visited() + headDeleted, p.deleted() + headDeleted);
    }
    Table table = ORDER[p.table()];
    Dbi<ByteBuffer> dbi = env.dbi(table);
    KeyRange<ByteBuffer> range =
        p.afterKey() == null
            ? KeyRange.all()
            : KeyRange.greaterThan(LmdbEnvironment.direct(p.afterKey()));
    int n = 0;
    long visited = p.visited();
    byte[] last = p.afterKey();
    List<byte[]> dead = new ArrayList<>();
    boolean end = true;
    try (CursorIterable<ByteBuffer> it = dbi.iterate(txn, range)) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        if (n++ >= limit) {
          end = false;
          break;
        }
        byte[] key = LmdbEnvironment.bytes(kv.key());
        last = key;
        visited++;
        if (expired(table, key, LmdbEnvironment.bytes(kv.val()), rule, now)) {
          dead.add(key);
        }
      }
    }
    for (byte[] k : dead) {
      LmdbEnvironment.delete(txn, dbi, k);
    }
    long deleted = p.deleted() + dead.size();
    return end
        ? new SweepProgress(p.table() + 1, null, visited, deleted)
        : new SweepProgress(p.table(), last, visited, deleted);
  }

  /** Deletes up to {@code limit} dead rows from the journal's head; returns how many. */
  private static long expireJournalHead(
      LmdbEnvironment env,
      Txn<ByteBuffer> txn,
      Expiry rule,
      long now,
      int limit,
      LmdbWriter.Expired expired) {
    Dbi<ByteBuffer> journal = env.dbi(Table.JOURNAL);
    if (journal == null) return 0;
    long ttl = rule.ttl(false);
    long n = 0;
    try (org.lmdbjava.Cursor<ByteBuffer> c = journal.openCursor(txn)) {
      // a key that is not a sequence sorts wherever its bytes say: those after the last sequence
      // would stop appends, so they go first
      while (n < limit && c.last() && !isSequence(LmdbEnvironment.bytes(c.key()))) {
        c.delete();
        n++;
      }
      while (n < limit && c.first()) {
        byte[] v = LmdbEnvironment.bytes(c.val());
        TripletEntry t = LmdbCodec.journalTriplet(v);
        if (t != null && now - t.lastSeen() < ttl) break;
        byte[] k = LmdbEnvironment.bytes(c.key());
        long seq = k.length == 8 ? LmdbCodec.longAt(k, 0) : -1;
        c.delete();
        n++;
        if (t != null) expired.expired(seq, LmdbCodec.journalKey(v));
      }
    }
    return n;
  }

  /** A key as the writer makes them: 8 bytes, below 2^63 (so it sorts as its number). */
  private static boolean isSequence(byte[] k) {
    return k.length == 8 && k[0] >= 0;
  }

  private static boolean expired(Table table, byte[] key, byte[] v, Expiry rule, long now) {
    switch (table) {
      case TRIPLETS:
        TripletEntry t = LmdbCodec.triplet(v);
        return t == null || rule.expired(t, now);
      case CLIENTS:
        ClientEntry c = LmdbCodec.client(v);
        return c == null || rule.expired(c, now);
      case WINDOWS:
        long[] w = WindowCounter.decode(v);
        return w == null || WindowCounter.expired(w, now);
      case DECISIONS:
        return LmdbCodec.decision(key, v) == null || rule.hourExpired(LmdbCodec.hourOf(key), now);
      default:
        throw new IllegalStateException("unknown table " + table);
    }
  }
}
