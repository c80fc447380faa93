package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.testing.Daemon;
import org.greygate.testing.PostfixInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbound guard against a real Postfix: a submission service (XCLIENT LOGIN= stands in for
 * SASL, as a submission proxy would use it) asks greygate at end of data. A user past a HOLD limit
 * has their next messages accepted into Postfix's hold queue while another user's mail is
 * delivered; a DEFER limit gives 4xx; after the window the user sends again; the queue watch,
 * reading the real {@code postqueue -j} and the real mail log, reports the held messages, alerts
 * past its watermark and on the release.
 */
class OutboundPostfixIT {
  static final Pattern METRICS = Pattern.compile("metrics on (http://[^ ]+/metrics)");

  PostfixInstance postfix;

  @BeforeEach
  void setUp() throws Exception {
    postfix = new PostfixInstance();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (postfix != null) postfix.close();
  }

  PostfixInstance.Result send(String user, String subject) throws Exception {
    return postfix.swaks(
        "--xclient-login",
        user,
        "--from",
        user,
        "--to",
        "friend@example.test",
        "--header",
        "Subject: " + subject);
  }

  List<String> held() throws Exception {
    String listing =
        postfix.run(List.of("/usr/sbin/postqueue", "-c", postfix.etc().toString(), "-j"), 30);
    return listing.lines().filter(l -> l.contains("\"queue_name\": \"hold\"")).toList();
  }

  @Test
  void aFloodingAccountIsHeldDeferredAndFreedWhileOthersDeliver() throws Exception {
    Path rules = postfix.root.resolve("greygate.rules");
    Files.writeString(
        rules,
        String.join(
            "\n",
            "# name  key            count     limit window action",
            "burst   sasl_username  messages  3     10s    HOLD",
            "cap     sasl_username  messages  5     10s    DEFER \"4.7.1 sending limit reached\"",
            ""));
    Files.writeString(postfix.maillog(), "");
    try (Daemon greygate =
        Daemon.serve(
            "--inet=127.0.0.1:0",
            "--dbdir=" + postfix.root.resolve("greygate"),
            "--rules=" + rules,
            "--metrics=127.0.0.1:0",
            "--queue-watch",
            "--queue-interval=1s",
            "--postfix-config-dir=" + postfix.etc(),
            "--queue-alert=hold:2",
            "--mail-log=" + postfix.maillog(),
            "--release-alert=2",
            "--volume-agents=virtual")) {
      postfix.start(
          List.of(
              "smtpd_authorized_xclient_hosts = 127.0.0.1",
              "smtpd_recipient_restrictions = reject_unauth_destination",
              "smtpd_end_of_data_restrictions = check_policy_service inet:127.0.0.1:"
                  + greygate.port()));

      long lastCounted = 0;
      for (int i = 1; i <= 5; i++) {
        PostfixInstance.Result r = send("alice@example.org", "alice " + i);
        assertEquals(0, r.code(), "alice's message " + i + " is accepted:\n" + r.output());
        lastCounted = System.nanoTime();
        if (i == 2) {
          PostfixInstance.Result carol = send("carol@example.org", "carol 1");
          assertEquals(0, carol.code(), carol.output());
        }
      }
      // past the HOLD limit: accepted, but into the hold queue
      String line = greygate.awaitLine("action=ratelimit, reason=limit burst", 10);
      assertTrue(
          line.contains("rule=burst, key=alice@example.org, count=4, limit=3, window=10s"), line);
      // past the DEFER limit: a temporary refusal, and the message is not counted
      PostfixInstance.Result sixth = send("alice@example.org", "alice 6");
      assertEquals(26, sixth.code(), "end of data refused:\n" + sixth.output());
      assertTrue(
          Pattern.compile("<\\*\\* 4\\d\\d 4\\.7\\.1 .*sending limit reached")
              .matcher(sixth.output())
              .find(),
          sixth.output());
      assertTrue(
          greygate
              .awaitLine("reason=limit cap", 10)
              .contains(
                  "rule=cap, key=alice@example.org, count=6, limit=5, window=10s, also=burst"));
      // another user is not held
      PostfixInstance.Result carol = send("carol@example.org", "carol 2");
      assertEquals(0, carol.code(), carol.output());

      String inbox =
          postfix.awaitInbox(s -> s.contains("Subject: alice 3") && s.contains("Subject: carol 2"));
      assertTrue(inbox.contains("Subject: carol 1"), inbox);
      assertTrue(!inbox.contains("Subject: alice 4") && !inbox.contains("Subject: alice 5"), inbox);
      List<String> held = held();
      assertEquals(2, held.size(), "alice's 4th and 5th are held:\n" + held);
      assertTrue(
          held.stream().allMatch(l -> l.contains("\"sender\": \"alice@example.org\"")),
          held.toString());

      // the queue watch read the real postqueue: an alert past the watermark, and metrics
      String alert = greygate.awaitLine("action=queue-alert, alert=watermark, queue=hold", 10);
      assertTrue(alert.contains("count=2, threshold=2"), alert);
      Matcher m = METRICS.matcher(greygate.awaitLine("metrics on http://", 5));
      assertTrue(m.find());
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(m.group(1))).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(metrics.contains("greygate_queue_messages{queue=\"hold\"} 2.0"), metrics);
      assertTrue(
          metrics.contains("greygate_decisions_total{outcome=\"hold\",reason=\"limit burst\"} 2.0"),
          metrics);

      // after the window alice's mail flows again
      // a 10 s window leaves a message 10 to 11 s after it counted (one-second slots)
      long free = lastCounted + 11_500_000_000L - System.nanoTime();
      if (free > 0) Thread.sleep(free / 1_000_000);
      PostfixInstance.Result later = send("alice@example.org", "alice later");
      assertEquals(0, later.code(), later.output());
      postfix.awaitInbox(s -> s.contains("Subject: alice later"));
      assertEquals(2, held().size(), "the new message was not held");

      // review done: release (postsuper -H); the watch sees the release in the mail log
      int mark = greygate.mark();
      postfix.run(List.of("/usr/sbin/postsuper", "-c", postfix.etc().toString(), "-H", "ALL"), 30);
      String released;
      try {
        released = greygate.awaitLineAfter(mark, "alert=released", 10);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nmail log:\n" + postfix.log(), e);
      }
      assertTrue(released.contains("queue=hold, count=2, threshold=2"), released);
      // released mail waits in the deferred queue until the next queue run: flush it now
      postfix.run(List.of("/usr/sbin/postqueue", "-c", postfix.etc().toString(), "-f"), 30);
      postfix.awaitInbox(s -> s.contains("Subject: alice 4") && s.contains("Subject: alice 5"));
      greygate.awaitLineAfter(mark, "action=queue-clear, alert=watermark, queue=hold", 10);
    }
  }
}
