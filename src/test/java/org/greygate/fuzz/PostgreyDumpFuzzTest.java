package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.greygate.migrate.MalformedInput;
import org.greygate.migrate.PostgreyDump;
import org.greygate.migrate.PostgreyImport;
import org.greygate.store.RowLimits;

/**
 * Any bytes as {@code db_dump -p} output for {@code db import-postgrey}: either key/value pairs or
 * {@code FILE:LINE: what} naming a line of the input; nothing else escapes. A pair the import
 * accepts has times and counts within {@link RowLimits}; pairs written again as db_dump writes them
 * read back the same. Fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=PostgreyDumpFuzzTest
 * -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class PostgreyDumpFuzzTest {
  static final long NOW = DumpFuzzTest.NOW;

  @FuzzTest(maxDuration = "5m")
  void anyBytesReadOrNameTheirLine(byte[] input) throws IOException {
    List<String[]> pairs = new ArrayList<>();
    try {
      PostgreyDump.read(
          new ByteArrayInputStream(input),
          "postgrey.db",
          (k, v, line) -> pairs.add(new String[] {k, v}));
    } catch (MalformedInput e) {
      long lines = 1;
      for (byte b : input) if (b == '\n') lines++;
      assertTrue(e.getMessage().startsWith("postgrey.db:" + e.line() + ": "), e.getMessage());
      assertTrue(e.line() >= 1 && e.line() <= lines + 1, e.getMessage());
      return;
    }
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    again.writeBytes("VERSION=3\nformat=print\ntype=btree\nHEADER=END\n".getBytes());
    for (String[] p : pairs) {
      for (boolean triplet : new boolean[] {true, false}) {
        if (PostgreyImport.problem(p[0], p[1], triplet, NOW) == null) {
          long[] v = PostgreyDump.numbers(p[1]);
          assertTrue(RowLimits.timeOk(v[1], NOW));
          assertTrue(triplet ? RowLimits.timeOk(v[0], NOW) && v[0] <= v[1] : v[0] >= 0);
          assertTrue(!p[0].isEmpty());
        }
      }
      printable(again, p[0]);
      printable(again, p[1]);
    }
    again.writeBytes("DATA=END\n".getBytes());
    List<String[]> read = new ArrayList<>();
    PostgreyDump.read(
        new ByteArrayInputStream(again.toByteArray()),
        "again",
        (k, v, line) -> read.add(new String[] {k, v}));
    assertEquals(pairs.size(), read.size());
    for (int i = 0; i < pairs.size(); i++) {
      assertEquals(List.of(pairs.get(i)), List.of(read.get(i)));
    }
  }

  /** One data line as db_dump -p writes it. */
  static void printable(ByteArrayOutputStream out, String s) {
    out.write(' ');
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '\\') out.writeBytes("\\\\".getBytes());
      else if (c >= 0x20 && c < 0x7f) out.write(c);
      else out.writeBytes(String.format("\\%02x", c).getBytes());
    }
    out.write('\n');
  }
}
