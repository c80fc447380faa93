package org.greygate.queue.forensic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.greygate.queue.forensic.Manifest.Entry;
import org.greygate.queue.forensic.Manifest.Extra;
import org.greygate.queue.forensic.Manifest.Kind;
import org.greygate.queue.forensic.Manifest.State;
import org.greygate.testing.Cli;
import org.greygate.testing.PostfixInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate queue snapshot} of a real, running, private Postfix instance's queue (never the
 * host's): two held messages, the real {@code postqueue -j}, the real mail log, and Postfix's own
 * sockets ({@code public/pickup}, {@code private/smtp}), which must be recorded, never opened. Then
 * the messages are released and delivered, and {@code diff} names them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SnapshotPostfixIT {
  @TempDir Path tmp;

  @Test
  void aLiveQueueIsCopiedReadOnlyVerifiedAndDiffed() throws Exception {
    try (PostfixInstance postfix = new PostfixInstance()) {
      postfix.start(List.of("smtpd_client_restrictions = check_client_access static:HOLD"));
      for (int i = 0; i < 2; i++) {
        PostfixInstance.Result r =
            postfix.swaks("--to", "user@example.test", "--from", "evil@example.org");
        assertEquals(0, r.code(), r.output());
      }
      String etc = postfix.etc().toString();
      List<String> held = awaitHeld(postfix, 2);
      Path queue = postfix.root.resolve("queue");
      Map<String, String> before = holdState(queue);

      Path a = tmp.resolve("a");
      Cli cli = new Cli();
      int code =
          cli.run(
              "queue",
              "snapshot",
              "--out=" + a,
              "--spool=" + queue,
              "--mail-log=" + postfix.maillog(),
              "--postfix-config-dir=" + etc);
      assertEquals(0, code, cli.err.toString());
      assertEquals(before, holdState(queue), "the snapshot changed the hold queue");

      Map<String, Manifest.Line> m = manifest(a);
      for (String id : held) {
        Entry e = (Entry) m.get("hold/" + id);
        assertEquals(State.COPIED, e.state(), e.toString());
        assertEquals("postfix", e.owner());
        assertEquals(0700, e.mode(), "complete: owner-execute set");
      }
      assertEquals(Kind.SOCKET, ((Entry) m.get("public/pickup")).kind());
      assertEquals(State.RECORDED, ((Entry) m.get("public/pickup")).state());
      assertEquals(Kind.SOCKET, ((Entry) m.get("private/smtp")).kind());
      Entry maildrop = (Entry) m.get("maildrop");
      assertEquals(
          (Integer) Files.getAttribute(queue.resolve("maildrop"), "unix:mode") & 07777,
          maildrop.mode());
      assertEquals("postdrop", maildrop.group());
      Extra pq = (Extra) m.get(Manifest.POSTQUEUE);
      assertEquals("ok", pq.state(), String.valueOf(pq.note()));
      String listing =
          new String(
              SnapshotTest.archive(a).get(Manifest.POSTQUEUE),
              java.nio.charset.StandardCharsets.UTF_8);
      for (String id : held) assertTrue(listing.contains(id), listing);
      String tail =
          new String(
              SnapshotTest.archive(a).get(Manifest.MAIL_LOG),
              java.nio.charset.StandardCharsets.ISO_8859_1);
      assertTrue(tail.contains(held.get(0)), tail);

      cli = new Cli();
      assertEquals(0, cli.run("queue", "verify", a.toString()), cli.out.toString());

      // released after review: delivered, gone from the queue
      postfix.run(List.of("/usr/sbin/postsuper", "-c", etc, "-H", "ALL"), 30);
      postfix.run(List.of("/usr/sbin/postqueue", "-c", etc, "-f"), 30);
      postfix.awaitInbox(c -> c.split("\nFrom ", -1).length >= 2 && awaitHeldQuiet(postfix));
      Path b = tmp.resolve("b");
      cli = new Cli();
      code =
          cli.run(
              "queue",
              "snapshot",
              "--out=" + b,
              "--spool=" + queue,
              "--mail-log=" + postfix.maillog(),
              "--postfix-config-dir=" + etc);
      assertEquals(0, code, cli.err.toString());
      cli = new Cli();
      assertEquals(1, cli.run("queue", "diff", "--from=" + a, b.toString()));
      for (String id : held) {
        assertTrue(cli.out.toString().contains("removed  hold/" + id), cli.out.toString());
      }
    }
  }

  static Map<String, Manifest.Line> manifest(Path dir) throws Exception {
    return SnapshotTest.manifest(dir);
  }

  /** The held messages' queue ids, once {@code n} are there. */
  static List<String> awaitHeld(PostfixInstance postfix, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String listing =
          postfix.run(List.of("/usr/sbin/postqueue", "-c", postfix.etc().toString(), "-j"), 30);
      List<String> ids =
          listing
              .lines()
              .filter(l -> l.contains("\"queue_name\": \"hold\""))
              .map(l -> l.replaceAll(".*\"queue_id\": \"([^\"]+)\".*", "$1"))
              .toList();
      if (ids.size() >= n) return ids;
      if (System.nanoTime() > deadline) throw new AssertionError("not held: " + listing);
      Thread.sleep(100);
    }
  }

  /** Whether the queue is empty of messages (for the inbox wait). */
  static boolean awaitHeldQuiet(PostfixInstance postfix) {
    try {
      return postfix
          .run(List.of("/usr/sbin/postqueue", "-c", postfix.etc().toString(), "-j"), 30)
          .isBlank();
    } catch (Exception e) {
      return false;
    }
  }

  /** Every hold file's mode, owner, size, mtime and ctime. */
  static Map<String, String> holdState(Path queue) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (var s = Files.list(queue.resolve("hold"))) {
      for (Path p : (Iterable<Path>) s::iterator) {
        out.put(
            p.getFileName().toString(),
            Files.readAttributes(
                    p, "unix:mode,uid,size,lastModifiedTime,ctime,ino", LinkOption.NOFOLLOW_LINKS)
                .toString());
      }
    }
    return out;
  }
}
