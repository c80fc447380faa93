package org.greygate.queue.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** auditd's records (log_format = ENRICHED, Debian 12's default) for the shipped rules. */
class AuditLogTest {
  static final String GS = "\u001d";

  static String syscall(String serial, String auid, String user, String exe, String key) {
    String comm = exe.substring(exe.lastIndexOf('/') + 1);
    return "type=SYSCALL msg=audit(1765069200.123:"
        + serial
        + "): arch=c000003e syscall=59 success=yes exit=0 a0=55d a1=55e a2=55f a3=0 items=2"
        + " ppid=4100 pid=42"
        + serial
        + " auid="
        + auid
        + " uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\""
        + comm
        + "\" exe=\""
        + exe
        + "\" subj=unconfined key="
        + key
        + GS
        + "ARCH=x86_64 SYSCALL=execve AUID=\""
        + user
        + "\" UID=\"root\" GID=\"root\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\""
        + " SGID=\"root\" FSGID=\"root\"";
  }

  static String record(String type, String serial, String rest) {
    return "type=" + type + " msg=audit(1765069200.123:" + serial + "): " + rest;
  }

  static List<ToolRun> read(String... lines) {
    AuditLog log = new AuditLog();
    List<ToolRun> out = new ArrayList<>();
    for (String l : lines) out.addAll(log.line(l));
    return out;
  }

  @Test
  void postsuperExecutedWithItsArguments() {
    List<ToolRun> runs =
        read(
            syscall("812", "1000", "alice", "/usr/sbin/postsuper", "\"postfix_queue_tool\""),
            record("EXECVE", "812", "argc=3 a0=\"postsuper\" a1=\"-d\" a2=\"ALL\""),
            record("CWD", "812", "cwd=\"/root\""),
            record("PATH", "812", "item=0 name=\"/usr/sbin/postsuper\" inode=1 nametype=NORMAL"),
            record("PROCTITLE", "812", "proctitle=706F73747375706572002D6400414C4C"),
            record("EOE", "812", ""));
    assertEquals(1, runs.size(), runs.toString());
    ToolRun r = runs.get(0);
    assertEquals("alice", r.user());
    assertEquals("root", r.runAs());
    assertEquals("postsuper", r.tool());
    assertEquals("postsuper -d ALL", r.command());
    assertTrue(r.mass());
    assertFalse(r.system());
    assertTrue(r.detail().contains("pid=42812"), r.detail().toString());
    assertTrue(r.detail().contains("cwd=/root"), r.detail().toString());
  }

  @Test
  void hexArgumentsAndPiecesAreDecoded() {
    // an argument with a space is written in hex; a long one in pieces
    List<ToolRun> runs =
        read(
            syscall("813", "1001", "mallory", "/usr/sbin/postsuper", "\"postfix_queue_tool\""),
            record(
                "EXECVE",
                "813",
                "argc=3 a0=\"postsuper\" a1=2D682041 a2_len=6 a2[0]=\"AL\" a2[1]=\"L\""),
            record("EOE", "813", ""));
    ToolRun r = runs.get(0);
    assertEquals("postsuper '-h A' ALL", r.command());
    assertFalse(r.mass(), "'-h A' holds message A, ALL is then a queue name");
  }

  @Test
  void withoutEnrichedNamesTheNumbersAreUsed() {
    String line = syscall("814", "1000", "alice", "/usr/sbin/postcat", "\"postfix_queue_tool\"");
    List<ToolRun> runs = read(line.substring(0, line.indexOf(GS)), record("EOE", "814", ""));
    assertEquals("1000", runs.get(0).user());
    assertEquals("postcat", runs.get(0).tool());
  }

  @Test
  void aServiceRunHasNoUser() {
    List<ToolRun> runs =
        read(
            syscall("815", "4294967295", "unset", "/usr/sbin/postsuper", "\"postfix_queue_tool\""),
            record("EOE", "815", ""));
    assertTrue(runs.get(0).system());
  }

  @Test
  void queueFilesChangedByAnotherProgramCountPostfixsOwnDoNot() {
    List<ToolRun> runs =
        read(
            syscall(
                "820",
                "1000",
                "alice",
                "/usr/lib/postfix/sbin/cleanup",
                "\"postfix_queue_change\""),
            record("EOE", "820", ""),
            syscall("821", "1000", "alice", "/usr/sbin/postsuper", "\"postfix_queue_change\""),
            record("EOE", "821", ""),
            syscall("822", "4294967295", "unset", "/usr/bin/cp", "\"postfix_queue_change\""),
            record("EOE", "822", ""),
            syscall("823", "1001", "mallory", "/usr/bin/rm", "\"postfix_queue_change\""),
            record("CWD", "823", "cwd=\"/var/spool/postfix\""),
            record("PATH", "823", "item=0 name=\"deferred/4/\" nametype=PARENT"),
            record("PATH", "823", "item=1 name=\"deferred/4/4ABCD\" nametype=DELETE"),
            record("EOE", "823", ""));
    assertEquals(1, runs.size(), runs.toString());
    ToolRun r = runs.get(0);
    assertEquals(ToolRun.Kind.FILES, r.kind());
    assertEquals("rm", r.tool());
    assertEquals("mallory", r.user());
    assertTrue(
        r.detail().contains("path=/var/spool/postfix/deferred/4/4ABCD"), r.detail().toString());
  }

  @Test
  void otherKeysAndLinesAreIgnored() {
    assertEquals(
        List.of(),
        read(
            syscall("830", "1000", "alice", "/usr/sbin/postsuper", "\"something_else\""),
            syscall("831", "1000", "alice", "/usr/sbin/postsuper", "(null)"),
            record("EOE", "830", ""),
            record("EOE", "831", ""),
            "type=SYSCALL garbage",
            "type=",
            "key=\"postfix_queue_tool\"",
            ""));
  }

  @Test
  void aProgramNamedLikeAFieldStaysOneValue() {
    // a program at '/tmp/rm key="postfix_queue_tool"' is written in hex by auditd (a space,
    // quotes):
    // read as one value, it is a change of queue files by that program, not a tool run
    String exe =
        java.util.HexFormat.of()
            .formatHex(
                "/tmp/rm key=\"postfix_queue_tool\""
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toUpperCase(java.util.Locale.ROOT);
    String line =
        record(
            "SYSCALL",
            "840",
            "arch=c000003e syscall=87 success=yes pid=9 auid=1001 uid=1001 comm=726D exe="
                + exe
                + " key=\"postfix_queue_change\"");
    List<ToolRun> runs = read(line, record("EOE", "840", ""));
    assertEquals(1, runs.size(), runs.toString());
    assertEquals(ToolRun.Kind.FILES, runs.get(0).kind());
    assertEquals("rm key=\"postfix_queue_tool\"", runs.get(0).tool());
  }

  @Test
  void aLostEndIsCompletedAtTheSecondFlushAndPendingEventsAreBounded() {
    AuditLog log = new AuditLog();
    log.line(syscall("850", "1000", "alice", "/usr/sbin/postsuper", "\"postfix_queue_tool\""));
    assertEquals(List.of(), log.flush(), "its records may still come");
    assertEquals(1, log.flush().size());
    List<ToolRun> evicted = new ArrayList<>();
    for (int i = 0; i < AuditLog.MAX_PENDING + 10; i++) {
      evicted.addAll(
          log.line(
              syscall("9" + i, "1000", "alice", "/usr/sbin/postsuper", "\"postfix_queue_tool\"")));
    }
    assertEquals(10, evicted.size(), "the oldest are completed, never more than the bound held");
  }
}
