package org.greygate.migrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgreyDumpTest {
  static Map<String, String> read(String dump) throws Exception {
    Map<String, String> rows = new LinkedHashMap<>();
    PostgreyDump.read(
        new ByteArrayInputStream(dump.getBytes(StandardCharsets.ISO_8859_1)),
        "postgrey.db",
        (k, v, line) -> rows.put(k, v));
    return rows;
  }

  @Test
  void readsPrintableDumpsWithEscapes() throws Exception {
    String dump =
        "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n"
            + " 192.0.2.0/a@example.org/b@example.net\n 1700000000,1700000400\n"
            + " 192.0.2.0/caf\\c3\\a9@example.org/back\\\\slash@example.net\n 1,2,host\n"
            + " 192.0.2.0/x\\0dclient 192.0.2 9 2025-11-24T16:00:00Z/b@example.net\n 1,2\n"
            + "DATA=END\n";
    assertEquals(
        Map.of(
            "192.0.2.0/a@example.org/b@example.net", "1700000000,1700000400",
            "192.0.2.0/café@example.org/back\\slash@example.net", "1,2,host",
            "192.0.2.0/x\rclient 192.0.2 9 2025-11-24T16:00:00Z/b@example.net", "1,2"),
        read(dump));
    assertArrayEquals(new long[] {1, 2}, PostgreyDump.numbers("1,2,host"));
    assertNull(PostgreyDump.numbers("garbage"));
    assertNull(PostgreyDump.numbers("-5,7"));
    assertNull(PostgreyDump.numbers("5,99999999999999999999"));
    assertNull(PostgreyDump.numbers(" 5,7"));
  }

  @Test
  void anythingButAPrintableDumpIsRefusedByLine() {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("format=bytevalue\nHEADER=END\n", "postgrey.db:1: expected a printable dump");
    bad.put("HEADER=END\nno space\n", "postgrey.db:2: expected a key or value line");
    bad.put("HEADER=END\n bad\\zz\n", "postgrey.db:2: bad escape at byte 5");
    bad.put("HEADER=END\n truncated\\0\n", "postgrey.db:2: bad escape");
    bad.put("HEADER=END\n key\n value\n", "postgrey.db:4: ends before DATA=END");
    bad.put("HEADER=END\n key\nDATA=END\n", "postgrey.db:3: a key without a value");
    bad.put("HEADER=END\n raw\rcr\n 1,2\nDATA=END\n", "postgrey.db:2: raw control byte 0x0d");
    bad.put("VERSION=3\n", "postgrey.db:2: no HEADER=END");
    bad.put("garbage\n", "postgrey.db:1: expected a header line");
    bad.put("HEADER=END\n " + "a".repeat(70_000) + "\n", "postgrey.db:2: line longer than 65536");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      MalformedInput m = assertThrows(MalformedInput.class, () -> read(e.getKey()), e.getKey());
      assertEquals(
          true, m.getMessage().startsWith(e.getValue()), e.getValue() + " / " + m.getMessage());
    }
  }
}
