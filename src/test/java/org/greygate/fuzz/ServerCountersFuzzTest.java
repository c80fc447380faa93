package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.greygate.bench.ServerCounters;

/**
 * Whatever a metrics endpoint sends ({@code greygate bench --metrics} reads it): the counters are
 * read as finite, non-negative sums, never an exception; and lines a greygate daemon writes, with
 * any label values, anything else between them, add up exactly. Replayed from the committed corpus
 * on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=ServerCountersFuzzTest
 * -Djazzer.max_duration=3m}.
 */
class ServerCountersFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void anyScrape(FuzzedDataProvider data) {
    int samples = data.consumeInt(0, 8);
    StringBuilder text = new StringBuilder();
    long expected = 0;
    for (int i = 0; i < samples; i++) {
      String noise = data.consumeString(200).replace('\n', ' ');
      String label = data.consumeString(40).replace("\\", "\\\\").replace("\"", "\\\"");
      label = label.replace("\n", "\\n");
      long v = data.consumeLong(0, 1L << 40);
      expected += v;
      text.append('#').append(noise).append('\n');
      text.append("greygate_fail_open_total{cause=\"").append(label).append("\"} ");
      text.append(v).append(".0\n");
    }
    String rest = data.consumeRemainingAsString();
    ServerCounters.Reading clean = ServerCounters.parse(text.toString());
    assertEquals(expected, clean.failOpen(), 0.5, () -> "exact sum of: " + text);
    ServerCounters.Reading any = ServerCounters.parse(text + rest);
    for (double d : new double[] {any.failOpen(), any.writesDropped()}) {
      assertTrue(Double.isFinite(d) && d >= 0, () -> "a count: " + d);
    }
  }
}
