package org.greygate.queue.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Debian 12's sudo and su lines, as rsyslog writes them to /var/log/auth.log. */
class AuthLogTest {
  static final String STAMP = "2026-12-07T01:02:03.123456+00:00 mx ";

  static List<ToolRun> read(String... lines) {
    AuthLog log = new AuthLog();
    List<ToolRun> out = new ArrayList<>();
    for (String l : lines) out.addAll(log.line(l));
    out.addAll(log.flush());
    return out;
  }

  static ToolRun one(String... lines) {
    List<ToolRun> runs = read(lines);
    assertEquals(1, runs.size(), runs.toString());
    return runs.get(0);
  }

  @Test
  void aSudoRunOfPostsuper() {
    ToolRun r =
        one(
            STAMP
                + "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ;"
                + " COMMAND=/usr/sbin/postsuper -r ALL");
    assertEquals("sudo", r.source());
    assertEquals("alice", r.user());
    assertEquals("root", r.runAs());
    assertEquals("postsuper", r.tool());
    assertEquals("/usr/sbin/postsuper -r ALL", r.command());
    assertTrue(r.mass());
    assertFalse(r.forged());
    assertNull(r.refused());
    assertEquals(List.of("tty=pts/0", "host=mx"), r.detail());
  }

  @Test
  void classicSyslogTimeAndAPidAreRead() {
    ToolRun r =
        one(
            "Dec  7 01:02:03 mx sudo[4242]:      bob : TTY=pts/1 ; PWD=/root ; USER=postfix ;"
                + " COMMAND=/usr/sbin/postcat -q 4ABCD1234");
    assertEquals("bob", r.user());
    assertEquals("postfix", r.runAs());
    assertEquals("postcat", r.tool());
    assertFalse(r.mass());
  }

  @Test
  void aRefusedRunIsStillARun() {
    ToolRun r =
        one(
            STAMP
                + "sudo:  mallory : command not allowed ; TTY=pts/2 ; PWD=/tmp ; USER=root ;"
                + " COMMAND=/usr/sbin/postsuper -d ALL");
    assertEquals("mallory", r.user());
    assertEquals("command not allowed", r.refused());
    assertTrue(r.mass());
  }

  @Test
  void otherCommandsAndOtherSudoLinesAreNoRuns() {
    assertEquals(
        List.of(),
        read(
            STAMP
                + "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt"
                + " update",
            STAMP
                + "sudo: pam_unix(sudo:session): session opened for user root(uid=0) by"
                + " alice(uid=1000)",
            STAMP + "sudo:    alice : a password is required ; TTY=pts/0"));
  }

  @Test
  void aToolAnywhereInTheCommandCounts() {
    assertEquals(
        "postsuper",
        one(STAMP
                + "sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh -c postsuper"
                + " -d ALL")
            .tool());
  }

  @Test
  void anotherProgramClaimingToBeSudoIsIgnored() {
    String fields =
        ":    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/sbin/postsuper -d ALL";
    assertEquals(
        List.of(),
        read(
            STAMP + "notsudo" + fields,
            STAMP + "sudo-fake" + fields,
            STAMP + "evil/sudo" + fields,
            STAMP + "cron[12]: (alice) CMD (echo sudo" + fields + ")",
            "sudo" + fields.substring(1), // no time, no host: not a syslog line
            STAMP + "postfix/smtpd[1]: connect from sudo" + fields));
  }

  @Test
  void aCraftedDirectoryCannotHideTheTool() {
    // sudo writes PWD as it is: a directory named "x ; COMMAND=/bin/true ; USER=root" puts a
    // harmless COMMAND first; the real one, last, still counts, and the line is marked forged
    ToolRun r =
        one(
            STAMP
                + "sudo:  mallory : TTY=pts/0 ; PWD=/tmp/x ; COMMAND=/bin/true ; USER=root ;"
                + " USER=root ; COMMAND=/usr/sbin/postsuper -H ALL");
    assertEquals("mallory", r.user());
    assertEquals("postsuper", r.tool());
    assertEquals("/usr/sbin/postsuper -H ALL", r.command());
    assertTrue(r.mass());
    assertTrue(r.forged());
  }

  @Test
  void aCraftedArgumentCannotHideTheTool() {
    ToolRun r =
        one(
            STAMP
                + "sudo:  mallory : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/usr/sbin/postcat"
                + " -q 4ABCD ; USER=nobody ; COMMAND=/bin/true");
    assertEquals("postcat", r.tool());
    assertEquals("root", r.runAs());
    assertTrue(r.forged());
  }

  @Test
  void aLongLineContinuedIsJoined() {
    // sudo splits a line longer than syslog takes at a space: a long directory name must not
    // push the command out of sight
    String dir = "/tmp/" + "d".repeat(900);
    ToolRun r =
        one(
            STAMP + "sudo:  mallory : TTY=pts/0 ; PWD=" + dir + " ; USER=root ;",
            STAMP + "sudo:  mallory : (command continued) COMMAND=/usr/sbin/postsuper -d ALL");
    assertEquals("postsuper", r.tool());
    assertTrue(r.mass());
    assertEquals("/usr/sbin/postsuper -d ALL", r.command());
  }

  @Test
  void aContinuationOfAnotherUserIsNotJoined() {
    assertEquals(
        List.of(),
        read(
            STAMP + "sudo:    alice : TTY=pts/0 ; PWD=/tmp ; USER=root ;",
            STAMP + "sudo:      bob : (command continued) COMMAND=/usr/sbin/postsuper -d ALL"));
  }

  @Test
  void anEndlessContinuationIsBounded() {
    AuthLog log = new AuthLog();
    log.line(STAMP + "sudo:  mallory : TTY=pts/0 ; PWD=/tmp ; USER=root ;");
    for (int i = 0; i < 10_000; i++) {
      assertEquals(
          List.of(), log.line(STAMP + "sudo:  mallory : (command continued) " + "x".repeat(900)));
    }
    assertTrue(log.pendingChars() <= AuthLog.MAX_JOINED, "held: " + log.pendingChars());
    assertEquals(List.of(), log.flush(), "no command within the bound: no run");
  }

  @Test
  void suToRootIsReported() {
    ToolRun r = one("Dec  7 01:02:03 mx su[4242]: (to root) alice on pts/0");
    assertEquals("su", r.source());
    assertEquals("alice", r.user());
    assertEquals("root", r.runAs());
    assertNull(r.refused());
    ToolRun failed = one(STAMP + "su[4243]: FAILED SU (to postfix) bob on pts/1");
    assertEquals("FAILED SU", failed.refused());
    assertEquals("postfix", failed.runAs());
    assertEquals(
        List.of(),
        read(
            STAMP
                + "su[4244]: pam_unix(su:session): session opened for user root(uid=0) by"
                + " alice(uid=1000)",
            STAMP + "su[4245]: (to root) alice on pts/0 and more"));
  }
}
