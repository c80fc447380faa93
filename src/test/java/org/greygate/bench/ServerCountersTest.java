package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.greygate.config.InvalidSetting;
import org.junit.jupiter.api.Test;

class ServerCountersTest {
  @Test
  void sumsEveryCauseOfTheFailOpenCounterAndTheDroppedWrites() {
    String text =
        """
        # HELP greygate_fail_open_total Answers that were the fail-open action, by cause
        # TYPE greygate_fail_open_total counter
        greygate_fail_open_total{cause="store unavailable"} 12.0
        greygate_fail_open_total{cause="store full"} 30.0
        greygate_fail_open_total{cause="timeout"} 0.0
        greygate_fail_open_total_created{cause="timeout"} 1.7e9
        greygate_fail_open_totally 99
        greygate_store_writes_dropped_total 1500.0 1765000000000
        greygate_decisions_total{outcome="dunno",reason="fail-open"} 7.0
        """;
    ServerCounters.Reading r = ServerCounters.parse(text);
    assertEquals(42, r.failOpen());
    assertEquals(1500, r.writesDropped());
    assertTrue(r.dropsCounted());
    assertEquals(new ServerCounters.Reading(0, 0, false), ServerCounters.parse(""));
  }

  /** What a server that is not greygate, or a broken one, may send: never an exception. */
  @Test
  void brokenLinesCountAsNothing() {
    for (String line :
        new String[] {
          "greygate_fail_open_total",
          "greygate_fail_open_total ",
          "greygate_fail_open_total{",
          "greygate_fail_open_total{cause=\"}\"}",
          "greygate_fail_open_total{} x",
          "greygate_fail_open_total NaN",
          "greygate_fail_open_total -5",
          "greygate_fail_open_total +Inf",
          "greygate_fail_open_total 1e308\ngreygate_fail_open_total 1e308",
          "greygate_store_writes_dropped_total{}",
          "\u0000greygate_fail_open_total 3",
        }) {
      ServerCounters.Reading r = ServerCounters.parse(line + "\n");
      assertEquals(0, r.failOpen(), line);
      assertEquals(0, r.writesDropped(), line);
    }
  }

  @Test
  void whereTheCountersAre() {
    assertEquals("http://127.0.0.1:9100/metrics", ServerCounters.at("9100").uri().toString());
    assertEquals("http://[::1]:9100/metrics", ServerCounters.at("[::1]:9100").uri().toString());
    assertEquals(
        "http://mx1.example:9100/metrics",
        ServerCounters.at("http://mx1.example:9100").uri().toString());
    assertThrows(InvalidSetting.class, () -> ServerCounters.at("host:port with spaces"));
  }
}
