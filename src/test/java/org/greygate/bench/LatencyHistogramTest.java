package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void percentilesAndMerge() {
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    for (int i = 1; i <= 1000; i++) (i % 2 == 0 ? a : b).record(i * 1000L); // 1..1000 us
    a.add(b);
    assertEquals(1000, a.count());
    assertEquals(500.5, a.percentileMicros(0.5), 0.01);
    assertEquals(990.5, a.percentileMicros(0.99), 0.01);
    assertEquals(1000.0, a.maxMicros(), 0.01);
    a.record(5_000_000_000L); // 5 s: past the exact range, kept as the max
    assertEquals(5_000_000.0, a.percentileMicros(1.0), 0.01);
  }
}
