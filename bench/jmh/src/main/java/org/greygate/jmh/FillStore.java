package org.greygate.jmh;

import java.nio.file.Path;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;

/**
 * Fills a greygate database with N triplets for scale tests:
 * {@code java -cp benchmarks.jar org.greygate.jmh.FillStore DBDIR N live|expired}.
 * Keys look like real ones and do not collide with those {@code greygate bench} sends.
 * "live" rows passed a day ago; "expired" rows were last seen 40 days ago (past --max-age).
 */
public final class FillStore {
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    long n = Long.parseLong(args[1]);
    boolean expired = args.length > 2 && args[2].equals("expired");
    long now = System.currentTimeMillis() / 1000;
    TripletEntry entry = expired
        ? new TripletEntry(now - 50 * 86400L, now - 40 * 86400L)
        : new TripletEntry(now - 2 * 86400L, now - 86400L);
    long t0 = System.nanoTime();
    try (LmdbStore store = LmdbStore.open(dir)) {
      for (long k = 0; k < n; k++) {
        String key = "172." + (16 + (k >> 24 & 15)) + "." + (k >> 16 & 255) + "." + (k >> 8 & 255)
            + "/fill-" + k + "@sender" + (k % 9973) + ".test/user" + (k % 50021) + "@" + (expired ? "old" : "live") + ".test";
        store.step(key, null, (t, c) -> new RowChange.Change<Void>(entry, null, null))
            .toCompletableFuture().join();
        if (k % 100_000 == 99_999) {
          store.flush();
          System.err.printf("%,d rows%n", k + 1);
        }
      }
      store.flush();
      System.err.printf("filled %,d %s rows in %.1f s; database now %,d rows%n", n, expired ? "expired" : "live",
          (System.nanoTime() - t0) / 1e9, store.tripletCount());
    }
  }
}
