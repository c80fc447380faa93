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

/**
 * The write path of a spam wave: every step a triplet never seen, through the daemon's own rule
 * ({@link TripletRule}, Postgrey's defaults), so each one inserts a row.
 *
 * <ul>
 *   <li>{@code newTriplet1/2/4}: steps per second from 1, 2 and 4 threads, the group commit
 *       running as the daemon runs it (at most every 100 ms);
 * </ul>
 *
 * {@link CommitBatchBench} gives the cost of a commit by batch size. Run: {@code java -jar
 * bench/jmh/target/benchmarks.jar StoreWriteBench}.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StoreWriteBench extends StoreFixture {
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public TripletRule.Result newTriplet1() {
    return newTriplet();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(2)
  public TripletRule.Result newTriplet2() {
    return newTriplet();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(4)
  public TripletRule.Result newTriplet4() {
    return newTriplet();
  }
}
