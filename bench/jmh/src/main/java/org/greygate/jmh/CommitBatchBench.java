package org.greygate.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * What one commit costs by batch size: BATCH new triplets, then a flush (one write transaction,
 * one sync). The score is the time of one batch; divided by BATCH it is a write's share.
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CommitBatchBench extends StoreFixture {
  @Param({"1", "10", "100", "1000"})
  int batch;

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void commitBatch() {
    for (int i = 0; i < batch; i++) newTriplet();
    store.flush();
  }
}
