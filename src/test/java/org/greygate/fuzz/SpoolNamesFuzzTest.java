package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Locale;
import org.greygate.queue.spool.Finding;
import org.greygate.queue.spool.SpoolRulesAccess;

/**
 * The spool watch's rules on any file name, owner and mode a local user can give a file: they never
 * throw, an alert line keeps its fields (a name cannot forge {@code , alert=...} or a line), and
 * the names Postfix gives its queue files (short and long queue IDs made from any time and inode)
 * are never flagged. Replayed from the committed corpus on every test run; fuzz with {@code
 * JAZZER_FUZZ=1 mvn test -Dtest=SpoolNamesFuzzTest -Djazzer.max_duration=3m}.
 */
class SpoolNamesFuzzTest {
  @FuzzTest
  void anyFile(FuzzedDataProvider data) {
    String queue =
        SpoolRulesAccess.QUEUES.get(data.consumeInt(0, SpoolRulesAccess.QUEUES.size() - 1));
    int mode = data.consumeInt();
    long ino = data.consumeLong();
    String owner = data.consumeString(40);
    String group = data.consumeString(40);
    String name = data.consumeRemainingAsString();
    if (name.isEmpty()) return;
    List<Finding> found =
        SpoolRulesAccess.file(queue, name, mode, ino, owner, group, 1_800_000_000L);
    for (Finding f : found) {
      String text = f.text();
      for (int i = 0; i < text.length(); i++) assertTrue(text.charAt(i) >= 0x20, text);
      // action, alert and the finding's own fields: nothing more, however the name reads
      assertEquals(2 + f.fields().size(), text.split(", ", -1).length, text);
      assertFalse(f.json().contains("\n"), f.json());
    }
    if (SpoolRulesAccess.holdsInode(name, ino)) assertTrue(SpoolRulesAccess.isQueueId(name), name);
  }

  @FuzzTest
  void postfixNamesAreNeverFlagged(FuzzedDataProvider data) {
    int usec = data.consumeInt(0, 999_999);
    long ino = data.consumeLong(1, Long.MAX_VALUE);
    long sec = data.consumeLong(0, 1L << 40);
    String name;
    if (data.consumeBoolean()) {
      name = String.format(Locale.ROOT, "%05X%X", usec, ino);
    } else {
      name = encode(sec, 52, 6) + encode(usec, 52, 4) + "z" + encode(ino, 51, 1);
    }
    String queue = data.pickValue(List.of("incoming", "active", "hold", "deferred", "corrupt"));
    List<Finding> found =
        SpoolRulesAccess.file(queue, name, 0100700, ino, "postfix", "postfix", 1_800_000_000L);
    assertEquals(List.of(), found, name);
  }

  static String encode(long v, int base, int pad) {
    String digits = SpoolRulesAccess.digits();
    StringBuilder sb = new StringBuilder();
    do {
      sb.append(digits.charAt((int) (v % base)));
      v /= base;
    } while (v > 0);
    while (sb.length() < pad) sb.append('0');
    return sb.reverse().toString();
  }
}
