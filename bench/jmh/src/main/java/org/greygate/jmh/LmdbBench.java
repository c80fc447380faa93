package org.greygate.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.openjdk.jmh.annotations.*;

/**
 * The LMDB store: a lookup of a key that is there (200,000 rows), and a write including its
 * share of the group commit (puts are measured together with a flush every 1,000).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LmdbBench {
  static final int ROWS = 200_000;
  Path dir;
  LmdbStore store;
  String[] keys = new String[ROWS];
  int i;
  long n;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("greygate-jmh");
    store = LmdbStore.open(dir);
    for (int k = 0; k < ROWS; k++) {
      keys[k] = "10." + (k >> 16 & 255) + "." + (k >> 8 & 255) + ".0/news-" + k + "x@sender" + (k % 997) + ".example/user" + (k % 5003) + "@rcpt.example";
      put(keys[k], new TripletEntry(k, k));
      if (k % 50_000 == 0) store.flush();
    }
    store.flush();
  }

  @TearDown
  public void tearDown() throws Exception {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  void put(String key, TripletEntry e) {
    store.step(key, null, (t, c) -> new RowChange.Change<Void>(e, null, null)).toCompletableFuture().join();
  }

  /** A step that reads one row and writes nothing: the lookup path of a known triplet. */
  @Benchmark
  public TripletEntry get() {
    return store
        .step(keys[(i = (i + 7919) % ROWS)], null, (t, c) -> new RowChange.Change<>(null, null, t))
        .toCompletableFuture()
        .join();
  }

  /** A step that writes, with its share of the group commit. */
  @Benchmark
  public void putWithGroupCommit() {
    put(keys[(i = (i + 7919) % ROWS)], new TripletEntry(n, ++n));
    if ((n % 1000) == 0) store.flush();
  }
}
