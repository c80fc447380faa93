package org.greygate.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.greygate.store.TripletRule;
import org.greygate.store.lmdb.LmdbStore;
import org.openjdk.jmh.annotations.*;

/** A fresh LMDB store in a temp dir and new triplets for it, as the daemon writes them. */
@State(Scope.Benchmark)
public abstract class StoreFixture {
  static final TripletRule RULE = new TripletRule(300, 35 * 86_400L, 2 * 86_400L, 5);

  Path dir;
  protected LmdbStore store;
  final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("greygate-jmh-write");
    store = LmdbStore.open(dir, Duration.ofMillis(100));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static String key(long k) {
    return "10."
        + (k >> 16 & 255)
        + "."
        + (k >> 8 & 255)
        + ".0/news-"
        + k
        + "x@sender"
        + (k % 997)
        + ".example/user"
        + (k % 5003)
        + "@rcpt.example";
  }

  TripletRule.Result newTriplet() {
    long k = next.incrementAndGet();
    return store
        .step(key(k), "10." + (k >> 16 & 255) + "." + (k >> 8 & 255) + "." + (k & 127), RULE.at(1_800_000_000L))
        .toCompletableFuture()
        .join();
  }

}
