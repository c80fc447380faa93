package org.greygate.jmh;

import java.util.concurrent.TimeUnit;
import org.greygate.bench.RequestFactory;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.ProtocolLimits;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/** Decoding one Postfix-shaped request (about 30 attributes, ~800 bytes). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecoderBench {
  byte[] request;
  PolicyDecoder decoder;

  @Setup
  public void setUp() {
    request = RequestFactory.request(12345, 1);
    decoder = new PolicyDecoder(ProtocolLimits.DEFAULT);
  }

  @Benchmark
  public void decodeRequest(Blackhole bh) throws Exception {
    decoder.feed(request, 0, request.length, bh::consume);
  }
}
