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
 */
final class LmdbSweep {
  private static final Table[] ORDER = {
    Table.TRIPLETS, Table.CLIENTS, Table.WINDOWS, Table.DECISIONS
  };

  private LmdbSweep() {}

  static SweepProgress slice(
      LmdbEnvironment env, Txn<ByteBuffer> txn, Expiry rule, long now, SweepProgress p, int limit) {
    if (p.finished()) {
      return p;
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
