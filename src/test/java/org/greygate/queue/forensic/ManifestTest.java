package org.greygate.queue.forensic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.greygate.queue.forensic.Manifest.Entry;
import org.greygate.queue.forensic.Manifest.Kind;
import org.greygate.queue.forensic.Manifest.State;
import org.junit.jupiter.api.Test;

/** The manifest's lines: any name, any note, written on one line and read back exactly. */
class ManifestTest {
  static Entry entry(String path, String target, String note) {
    return new Entry(
        path,
        Kind.FILE,
        State.COPIED,
        12,
        "ab".repeat(32),
        105,
        106,
        "postfix",
        "post fix",
        04755,
        "2026-12-07T01:00:00.123456789Z",
        target,
        note);
  }

  @Test
  void hostileNamesStayOnTheirLineAndReadBackExactly() {
    List<String> names =
        List.of(
            "deferred/6/63CCE199",
            "evil\nentry\tpath=/etc/shadow\tkind=file",
            "esc\u001b[31mred\u0007\r",
            "100%25 %",
            "=lead=ing",
            "caf\u00e9/\u65e5\u672c/\ud83d\udce7",
            " ",
            "");
    for (String name : names) {
      Entry e = entry(name, name, "note: " + name);
      String line = Manifest.line(e);
      assertFalse(line.chars().anyMatch(c -> c < 0x20 && c != '\t'), line);
      assertFalse(line.chars().anyMatch(c -> c > 0x7e), line);
      assertEquals(14, line.split("\t", -1).length, line); // the word and 13 fields, one each
      assertEquals(e, Manifest.parse(line));
    }
  }

  @Test
  void randomStringsReadBackExactly() {
    Random r = new Random(25);
    for (int i = 0; i < 2000; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(40);
      for (int j = 0; j < n; j++) {
        int c = r.nextInt(4) == 0 ? r.nextInt(0x80) : 0x20 + r.nextInt(0x3000);
        if (Character.isSurrogate((char) c)) c = 'x';
        b.append((char) c);
      }
      String s = b.toString();
      assertEquals(s, ManifestText.decode(ManifestText.encode(s)));
      Entry e = entry(s, null, null);
      assertEquals(e, Manifest.parse(Manifest.line(e)));
    }
  }

  @Test
  void linesThatWouldNotBeWrittenBackAreRefused() {
    String good = Manifest.line(entry("a", null, null));
    assertEquals(entry("a", null, null), Manifest.parse(good));
    for (String bad :
        List.of(
            good.replace("path=a", "path=%61"), // an escape nothing needs
            good.replace("path=a", "path=%6"),
            good.replace("path=a", "path=%zz"),
            good.replace("path=a", "path=a b"),
            good.replace("path=a", "path=%FF"), // not UTF-8
            good + "\textra=1",
            good.replace("\tsize=12", "") + "\tsize=12",
            good.replace("mode=4755", "mode=9999"),
            good.replace("size=12", "size=12x"),
            "entry",
            "nonsense\tpath=a")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Manifest.parse(bad), bad);
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }
  }
}
