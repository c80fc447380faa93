package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.greygate.migrate.MalformedInput;
import org.greygate.migrate.StoreDump;
import org.greygate.store.RowLimits;
import org.greygate.store.TripletEntry;

/**
 * Any bytes given to {@code db load}: either every line is a sound row (each field within {@link
 * RowLimits}, what {@code db verify} accepts), or reading stops with {@code FILE:LINE: what} naming
 * a line of the input; nothing else escapes. The rows read, written again as {@code db dump} writes
 * them, are plain ASCII, one line each, and read back the same. Replayed from the committed corpus
 * on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=DumpFuzzTest
 * -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class DumpFuzzTest {
  /** 2026-01-01T00:00:00Z: the corpus's times are read against a fixed clock. */
  static final long NOW = 1_767_225_600L;

  @FuzzTest(maxDuration = "5m")
  void anyBytesLoadOrNameTheirLine(byte[] input) throws IOException {
    List<StoreDump.Row> rows = new ArrayList<>();
    try {
      StoreDump.read(new ByteArrayInputStream(input), "fuzz", NOW, (r, line) -> rows.add(r));
    } catch (MalformedInput e) {
      long lines = 1;
      for (byte b : input) if (b == '\n') lines++;
      assertTrue(e.getMessage().startsWith("fuzz:" + e.line() + ": "), e.getMessage());
      assertTrue(e.line() >= 1 && e.line() <= lines, e.getMessage());
      return;
    }
    StringBuilder text = new StringBuilder("# greygate dump 2\n");
    for (StoreDump.Row r : rows) {
      sound(r);
      String line = StoreDump.line(r);
      assertEquals(line.length() - 1, line.indexOf('\n'), line);
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        assertTrue(c == '\n' || c >= ' ' && c < 0x7f, () -> "not printable ASCII: " + line);
      }
      text.append(line);
    }
    List<StoreDump.Row> again = new ArrayList<>();
    StoreDump.read(
        new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.US_ASCII)),
        "again",
        NOW,
        (r, line) -> again.add(r));
    assertEquals(rows, again, text.toString());
  }

  static void sound(StoreDump.Row r) {
    if (r instanceof StoreDump.Triplet t) {
      key(t.key());
      assertTrue(t.entry().firstSeen() <= t.entry().lastSeen());
      time(t.entry().firstSeen());
      time(t.entry().lastSeen());
      assertTrue(
          t.entry().attempts() >= 0 && t.entry().attempts() <= TripletEntry.MAX_ATTEMPTS,
          t.toString());
    } else if (r instanceof StoreDump.Client c) {
      key(c.key());
      assertTrue(c.entry().count() >= 1 && c.entry().count() <= RowLimits.MAX_COUNT);
      time(c.entry().lastSeen());
    } else {
      StoreDump.Counter d = (StoreDump.Counter) r;
      time(d.hour());
      assertEquals(0, d.hour() % 3600);
      assertTrue(d.count() >= 1 && d.count() <= RowLimits.MAX_COUNT);
      assertTrue(!d.outcome().isEmpty() && d.outcome().indexOf('\0') < 0 && !d.reason().isEmpty());
    }
  }

  static void key(String k) {
    byte[] b = k.getBytes(StandardCharsets.UTF_8);
    assertTrue(b.length >= 1 && b.length <= RowLimits.MAX_KEY_BYTES, k);
    assertEquals(k, new String(b, StandardCharsets.UTF_8), "a key is UTF-8 as the store holds it");
  }

  static void time(long t) {
    assertTrue(RowLimits.timeOk(t, NOW), Long.toString(t));
  }
}
