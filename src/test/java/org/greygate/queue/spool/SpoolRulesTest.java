package org.greygate.queue.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The spool's rules on metadata as lstat gives it: hostile cases first, then what Postfix 3.7 was
 * seen doing (names, inodes, modes and owners copied from a real queue).
 */
class SpoolRulesTest {
  static final SpoolConfig C =
      new SpoolConfig(Path.of("/var/spool/postfix"), "postfix", "postdrop");
  static final long NOW = 1_800_000_000L;

  static SpoolRules.Facts f(String queue, String name, int mode, long ino, String owner) {
    return f(queue, name, mode, ino, owner, "postfix");
  }

  static SpoolRules.Facts f(
      String queue, String name, int mode, long ino, String owner, String group) {
    return new SpoolRules.Facts(
        queue, queue + "/" + name, name, mode, ino, owner, group, 1058, NOW - 5);
  }

  static List<String> kinds(SpoolRules.Facts f) {
    return SpoolRules.file(f, C, NOW).stream().map(Finding::kind).toList();
  }

  @Test
  void aFileOwnedByAnotherUserInHold() {
    List<Finding> x =
        SpoolRules.file(f("hold", "F3A5B212A62", 0100700, 0x212A62, "nobody"), C, NOW);
    assertEquals(1, x.size(), x.toString());
    assertEquals(
        "action=queue-alert, alert=spool-owner, queue=hold, file=hold/F3A5B212A62,"
            + " owner=nobody:postfix, expected=postfix",
        x.get(0).text());
  }

  @Test
  void linksFifosAndDevicesAreNeverQueueFiles() {
    assertEquals(List.of("type"), kinds(f("deferred", "63CCE199", 0120777, 0x199, "root")));
    assertEquals(List.of("type"), kinds(f("hold", "63CCE199", 0010644, 0x199, "postfix")));
    assertEquals(List.of("type"), kinds(f("active", "63CCE199", 0020600, 0x199, "postfix")));
    assertEquals(List.of("type"), kinds(f("hold", "63CCE199", 0040700, 0x199, "postfix")));
    assertTrue(
        SpoolRules.file(f("deferred", "63CCE199", 0120777, 0x199, "root"), C, NOW)
            .get(0)
            .text()
            .endsWith("type=symlink"));
  }

  @Test
  void groupOrOtherBitsAndSpecialBits() {
    assertEquals(List.of("mode"), kinds(f("active", "F3A5B212A62", 0100744, 0x212A62, "postfix")));
    assertEquals(List.of("mode"), kinds(f("hold", "F3A5B212A62", 0104700, 0x212A62, "postfix")));
    assertEquals(List.of("mode"), kinds(f("defer", "F3A5B212A62", 0100606, 1, "postfix")));
    // postdrop's own: 0644, then 0744 once complete; never writable by others
    assertEquals(
        List.of("mode"),
        kinds(f("maildrop", "9774A212874", 0100766, 0x212874, "alice", "postdrop")));
  }

  @Test
  void namesThatAreNoQueueId() {
    assertEquals(List.of("name"), kinds(f("incoming", "evil.sh", 0100600, 7, "postfix")));
    assertEquals(List.of("name"), kinds(f("hold", "63cce199", 0100700, 0x199, "postfix")));
    assertEquals(List.of("name"), kinds(f("hold", "..", 0100700, 0x199, "postfix")));
    assertEquals(List.of("name"), kinds(f("defer", "ABC", 0100600, 1, "postfix")));
    Finding forged =
        SpoolRules.file(f("hold", "x, alert=none\n", 0100700, 1, "postfix"), C, NOW).get(0);
    assertEquals(
        "action=queue-alert, alert=spool-name, queue=hold, file=hold/x\\x2c\\x20alert\\x3dnone\\x0a,"
            + " reason=not-a-queue-id",
        forged.text());
    assertFalse(forged.json().contains("\n"));
  }

  @Test
  void aQueueFileWhoseNameDoesNotHoldItsInodeWasMadeInPlace() {
    // root wrote hold/4F628212A6A itself: the inode it got is not the one the name says
    assertEquals(List.of("in-place"), kinds(f("hold", "4F628212A6A", 0100700, 0x31337, "postfix")));
    assertEquals(
        List.of("in-place"), kinds(f("deferred", "4jjPtS3Zv2zJMZY", 0100700, 2173395, "postfix")));
    assertEquals(
        List.of("in-place"), kinds(f("incoming", "F3A5B012A62", 0100600, 0x12A62, "postfix")));
  }

  @Test
  void aLeftoverTemporaryNameIsReportedOnlyOnceOld() {
    SpoolRules.Facts young =
        new SpoolRules.Facts(
            "incoming",
            "incoming/997879.26336",
            "997879.26336",
            0100600,
            9,
            "postfix",
            "postfix",
            0,
            NOW - 1);
    assertEquals(List.of(), SpoolRules.file(young, C, NOW));
    SpoolRules.Facts old =
        new SpoolRules.Facts(
            "incoming",
            "incoming/997879.26336",
            "997879.26336",
            0100600,
            9,
            "postfix",
            "postfix",
            0,
            NOW - 7200);
    assertEquals(
        List.of("name"), SpoolRules.file(old, C, NOW).stream().map(Finding::kind).toList());
    SpoolRules.Facts inHold =
        new SpoolRules.Facts(
            "hold",
            "hold/997879.26336",
            "997879.26336",
            0100700,
            9,
            "postfix",
            "postfix",
            0,
            NOW - 1);
    assertEquals(
        List.of("name"), SpoolRules.file(inHold, C, NOW).stream().map(Finding::kind).toList());
  }

  @Test
  void whatPostfixDoesRaisesNothing() {
    // seen on Postfix 3.7: cleanup's file, moved through active, hold and deferred
    assertEquals(List.of(), kinds(f("incoming", "F3A5B212A62", 0100600, 0x212A62, "postfix")));
    assertEquals(List.of(), kinds(f("active", "F3A5B212A62", 0100700, 0x212A62, "postfix")));
    assertEquals(List.of(), kinds(f("hold", "952E6212872", 0100600, 0x212872, "postfix")));
    assertEquals(List.of(), kinds(f("deferred", "86975212855", 0100700, 0x212855, "postfix")));
    // the defer log: written in place, named after its message
    assertEquals(List.of(), kinds(f("defer", "86975212855", 0100600, 0x212863, "postfix")));
    // long IDs
    assertEquals(List.of(), kinds(f("hold", "4jjPtS3Zv2zJMZY", 0100700, 2173394, "postfix")));
    assertEquals(List.of(), kinds(f("deferred", "4jjPtR3QyQzJMRf", 0100700, 2173042, "postfix")));
    // sendmail run by root (umask 022), and postsuper -r's move into maildrop
    assertEquals(
        List.of(), kinds(f("maildrop", "9774A212874", 0100744, 0x212874, "root", "postdrop")));
    assertEquals(
        List.of(), kinds(f("maildrop", "86975212855", 0100700, 0x212855, "postfix", "postfix")));
    assertEquals(
        List.of("owner"), kinds(f("maildrop", "9774A212874", 0100744, 0x212874, "alice", "alice")));
  }

  @Test
  void queueIds() {
    assertTrue(QueueIds.holdsInode("63CCE199", 0x199));
    assertFalse(QueueIds.holdsInode("63CCE0199", 0x199), "Postfix writes no leading zero");
    assertTrue(QueueIds.holdsInode("FFFFFFFFFFFFFFFFFFFFF", -1L));
    assertFalse(QueueIds.isQueueId("FFFFFFFFFFFFFFFFFFFFFF"));
    assertFalse(QueueIds.holdsInode("4jjPtS3Zv2zyyyyyyyyyyyyyyyyyy", 0), "no overflow");
    assertFalse(QueueIds.isQueueId("4jjPtS3Zvz1"), "ten characters of time before the z");
    assertFalse(QueueIds.isQueueId("4jjPtS3Zv2zJMaY"), "a vowel");
    assertTrue(QueueIds.isTemporary("997879.26336"));
    assertFalse(QueueIds.isTemporary("997879.26336.x"));
    assertTrue(QueueIds.isHashDirectory("6"));
    assertFalse(QueueIds.isHashDirectory("g"));
  }

  @Test
  void directories() {
    SpoolRules.Expected q = SpoolRules.DIRECTORIES.get("deferred");
    assertEquals(List.of(), SpoolRules.directory("deferred", q, 040700, "postfix", "root", C));
    List<Finding> open = SpoolRules.directory("deferred", q, 040777, "postfix", "root", C);
    assertEquals(
        "action=queue-alert, alert=spool-directory, directory=deferred, owner=postfix:root,"
            + " mode=0777, expected=postfix 0700",
        open.get(0).text());
    SpoolRules.Expected md = SpoolRules.DIRECTORIES.get("maildrop");
    assertEquals(List.of(), SpoolRules.directory("maildrop", md, 041730, "postfix", "postdrop", C));
    assertEquals(List.of(), SpoolRules.directory("maildrop", md, 040730, "postfix", "postdrop", C));
    assertEquals(1, SpoolRules.directory("maildrop", md, 041733, "postfix", "postdrop", C).size());
    assertEquals(1, SpoolRules.directory("maildrop", md, 041730, "postfix", "users", C).size());
    SpoolRules.Expected pub = SpoolRules.DIRECTORIES.get("public");
    assertEquals(List.of(), SpoolRules.directory("public", pub, 042710, "postfix", "postdrop", C));
    assertEquals(1, SpoolRules.directory("public", pub, 044710, "postfix", "postdrop", C).size());
    assertEquals(1, SpoolRules.directory("hold", q, 0120777, "root", "root", C).size());
    assertEquals(List.of(), SpoolRules.directory(".", null, 040755, "root", "root", C));
    assertEquals(1, SpoolRules.directory(".", null, 040775, "root", "root", C).size());
    assertEquals(1, SpoolRules.directory(".", null, 040755, "postfix", "root", C).size());
  }
}
