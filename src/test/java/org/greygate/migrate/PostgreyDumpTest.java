package org.greygate.migrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgreyDumpTest {
  @Test
  void readsPrintableDumpsWithEscapes() throws Exception {
    String dump =
        "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n"
            + " 192.0.2.0/a@example.org/b@example.net\n 1700000000,1700000400\n"
            + " 192.0.2.0/caf\\c3\\a9@example.org/back\\\\slash@example.net\n 1,2,host\n"
            + "DATA=END\n";
    Map<String, String> rows = new LinkedHashMap<>();
    PostgreyDump.read(
        PostgreyDump.stream(new ByteArrayInputStream(dump.getBytes(StandardCharsets.ISO_8859_1))),
        rows::put);
    assertEquals(
        Map.of(
            "192.0.2.0/a@example.org/b@example.net", "1700000000,1700000400",
            "192.0.2.0/café@example.org/back\\slash@example.net", "1,2,host"),
        rows);
    assertArrayEquals(new long[] {1, 2}, PostgreyDump.numbers("1,2,host"));
    assertNull(PostgreyDump.numbers("garbage"));
  }

  @Test
  void rejectsOtherFormats() {
    assertThrows(
        IOException.class,
        () -> PostgreyDump.read(new StringReader("format=bytevalue\nHEADER=END\n"), (k, v) -> {}));
    assertThrows(
        IOException.class,
        () -> PostgreyDump.read(new StringReader("HEADER=END\nno space\n"), (k, v) -> {}));
    assertThrows(
        IOException.class,
        () -> PostgreyDump.read(new StringReader("HEADER=END\n bad\\zz\n"), (k, v) -> {}));
  }
}
