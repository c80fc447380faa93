package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.greygate.testing.Daemon;
import org.greygate.testing.PostfixInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One daemon for two checks of a real Postfix: its recipient restrictions ask greygate with {@code
 * policy_context=inbound} (greylisting), its end-of-data restrictions with {@code
 * policy_context=submission} (rate limits), each through {@code check_policy_service { inet:...,
 * policy_context=... }}; one configuration file declares both sets. Each list's requests reach
 * their set, and only theirs.
 */
class PolicyContextPostfixIT {
  PostfixInstance postfix;

  @BeforeEach
  void setUp() throws Exception {
    postfix = new PostfixInstance();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (postfix != null) postfix.close();
  }

  PostfixInstance.Result send(String subject) throws Exception {
    return postfix.swaks(
        "--xclient-login",
        "alice@example.org",
        "--from",
        "alice@example.org",
        "--to",
        "friend@example.test",
        "--header",
        "Subject: " + subject);
  }

  @Test
  void eachRestrictionListReachesItsOwnPolicySet() throws Exception {
    Path rules = postfix.root.resolve("greygate.rules");
    // the second rule counts at RCPT: were the inbound list's requests asked by rate limits too,
    // the second recipient of the site would be refused
    Files.writeString(
        rules,
        "burst sasl_username messages 1 1h HOLD\n"
            + "site recipient_domain recipients 1 1h REJECT \"5.7.1 site limit\"\n");
    Path conf = postfix.root.resolve("greygate.conf");
    Files.write(
        conf,
        List.of(
            "inet = 127.0.0.1:0",
            "dbdir = " + postfix.root.resolve("greygate"),
            "delay = 1",
            "rules = " + rules,
            "policy-set=inbound: whitelists, greylisting",
            "policy-set=submission: rate-limits",
            "default-policy-set=inbound"));
    try (Daemon greygate = Daemon.serve("--config=" + conf)) {
      int port = greygate.port();
      postfix.start(
          List.of(
              "smtpd_authorized_xclient_hosts = 127.0.0.1",
              "smtpd_recipient_restrictions = reject_unauth_destination,"
                  + " check_policy_service { inet:127.0.0.1:"
                  + port
                  + ", policy_context=inbound }",
              "smtpd_end_of_data_restrictions = check_policy_service { inet:127.0.0.1:"
                  + port
                  + ", policy_context=submission }"));

      // RCPT, asked as inbound: greylisted (the submission set has no greylisting)
      PostfixInstance.Result first = send("first try");
      assertNotEquals(0, first.code(), first.output());
      assertTrue(first.output().contains("<** 450"), first.output());
      String greylisted = greygate.awaitLine("action=greylist, reason=new", 10);
      assertTrue(greylisted.contains("policy_context=inbound"), greylisted);

      // the retry passes RCPT; END-OF-MESSAGE, asked as submission: counted, then held
      Thread.sleep(2_000);
      PostfixInstance.Result second = send("second try");
      assertEquals(0, second.code(), second.output());
      String passed = greygate.awaitLine("reason=triplet found", 10);
      assertTrue(passed.contains("policy_context=inbound"), passed);
      PostfixInstance.Result third = send("third");
      assertEquals(0, third.code(), third.output());
      String held = greygate.awaitLine("action=ratelimit, reason=limit burst", 10);
      assertTrue(held.contains("policy_context=submission"), held);
      postfix.awaitInbox(s -> s.contains("Subject: second try"));
      String queue =
          postfix.run(List.of("/usr/sbin/postqueue", "-c", postfix.etc().toString(), "-j"), 30);
      assertTrue(queue.contains("\"queue_name\": \"hold\""), "the third is held:\n" + queue);

      // every request Postfix made reached the set of its list: 3 RCPT, 2 END-OF-MESSAGE
      String out = greygate.output();
      assertEquals(
          3, out.lines().filter(l -> l.contains(", policy_context=inbound,")).count(), out);
      assertEquals(
          2, out.lines().filter(l -> l.contains(", policy_context=submission,")).count(), out);
      assertTrue(!out.contains("policy_context=default"), out);
      assertTrue(!out.contains("site limit"), "no RCPT request met the rate limits: " + out);
      assertTrue(!out.contains("names no policy set"), out);
    }
  }
}
