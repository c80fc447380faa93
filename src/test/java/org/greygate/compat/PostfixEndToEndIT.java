package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.greygate.testing.Daemon;
import org.greygate.testing.PostfixInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real Postfix (its own instance in a temp dir, loopback only, delivering to a mailbox file) with
 * greygate as its policy service, fed by swaks: the first attempt is greylisted with 450, the retry
 * after the delay is accepted and delivered carrying the X-Greylist header.
 */
class PostfixEndToEndIT {
  PostfixInstance postfix;

  @BeforeEach
  void setUp() throws Exception {
    postfix = new PostfixInstance();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (postfix != null) postfix.close();
  }

  @Test
  void greylistsThenDeliversOverTcp() throws Exception {
    try (Daemon greygate =
        Daemon.serve(
            "--inet=127.0.0.1:0", "--dbdir=" + postfix.root.resolve("greygate"), "--delay=2")) {
      exercise(greygate, "inet:127.0.0.1:" + greygate.port());
    }
  }

  @Test
  void greylistsThenDeliversOverAUnixSocketInTheQueueDirectory() throws Exception {
    // As documented: a setgid directory of group postfix, so the socket (mode 0660) is
    // reachable by Postfix's smtpd and nobody else.
    Path sockDir = postfix.root.resolve("queue/greygate");
    Files.createDirectories(sockDir);
    PostfixInstance.chown("root:postfix", sockDir);
    if (new ProcessBuilder("chmod", "2750", sockDir.toString()).start().waitFor() != 0)
      fail("chmod");
    try (Daemon greygate =
        Daemon.serve(
            "--unix=" + sockDir.resolve("policy.sock"),
            "--inet=127.0.0.1:0",
            "--dbdir=" + postfix.root.resolve("greygate"),
            "--delay=2")) {
      exercise(greygate, "unix:greygate/policy.sock");
    }
  }

  void exercise(Daemon greygate, String policyService) throws Exception {
    postfix.start(
        List.of(
            "smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service "
                + policyService));
    String[] mail = {
      "--from",
      "alice@sender.test",
      "--to",
      "user@example.test,other@example.test",
      "--header",
      "Subject: greygate e2e"
    };
    PostfixInstance.Result first = postfix.swaks(mail);
    assertEquals(24, first.code(), "first attempt is refused at RCPT:\n" + first.output());
    assertTrue(
        first
            .output()
            .contains("450 4.2.0 <user@example.test>: Recipient address rejected: Greylisted"),
        first.output());

    Thread.sleep(2500); // the configured delay is 2 s
    PostfixInstance.Result second = postfix.swaks(mail);
    assertEquals(0, second.code(), "retry after the delay is accepted:\n" + second.output());

    String delivered = postfix.awaitInbox(s -> s.split("Subject: greygate e2e", -1).length == 3);
    assertTrue(delivered.contains("X-Greylist: delayed "), delivered);
    // both recipients' copies land in one mailbox file; each copy carries the header once
    int copies = delivered.split("Subject: greygate e2e", -1).length - 1;
    assertEquals(2, copies, delivered);
    assertEquals(
        copies,
        delivered.split("X-Greylist:", -1).length - 1,
        "one header per message:\n" + delivered);
    String out = greygate.output();
    assertTrue(
        out.contains(
            "action=greylist, reason=new, client_name=localhost, client_address=127.0.0.1, sender=alice@sender.test, recipient=user@example.test"),
        out);
    assertTrue(out.contains("reason=triplet found, delay="), out);
  }
}
