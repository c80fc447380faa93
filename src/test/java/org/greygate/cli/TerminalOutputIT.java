package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code report} and {@code limits show} print comes from logs and stores a remote client
 * wrote into: no control character of it reaches the terminal (ESC ] 0; sets the window title, ESC
 * [ 2 J clears the screen, U+009B is the one-character CSI some terminals obey).
 */
class TerminalOutputIT {
  @TempDir Path dir;

  static final String HOSTILE = "\u001b]0;owned\u0007\u009b2J\u001b[2J\r\u202e";

  static void assertNoControls(String out) {
    for (char c : out.toCharArray()) {
      boolean control = c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f || c == '\u202e';
      assertFalse(control, () -> String.format("U+%04X in %s", (int) c, out));
    }
  }

  @Test
  void reportShowsControlCharactersInsteadOfSendingThem() throws Exception {
    Path log = dir.resolve("greygate.log");
    // JSON lines carry any character escaped; a Postgrey line carries it as it is
    String json = HOSTILE.replace("\u001b", "\\u001b").replace("\u0007", "\\u0007");
    json = json.replace("\u009b", "\\u009b").replace("\r", "\\r").replace("\u202e", "\\u202e");
    Files.write(
        log,
        List.of(
            "Dec  3 10:00:00 mx greygate[9]: {\"action\":\"greylist\",\"reason\":\"new"
                + json
                + "\",\"client_address\":\"192.0.2.1\",\"sender\":\"a@x"
                + json
                + "\",\"recipient\":\"r@example.net\"}",
            "Dec  3 10:00:01 mx postgrey[9]: action=pass, reason=client whitelist, whitelist=w"
                + HOSTILE.replace("\r", "")
                + ", client_address=192.0.2.2, recipient=r@example.net"),
        StandardCharsets.UTF_8);
    Cli text = new Cli();
    assertEquals(0, text.run("report", "--log=" + log), text.err.toString());
    String out = text.out.toString();
    assertNoControls(out);
    assertTrue(out.contains("new\\x1b]0;owned\\x07\\x9b2J\\x1b[2J\\x0d\\u202e"), out);
    assertTrue(out.contains("x\\x1b]0;owned"), out); // the sender domain's top list
    assertTrue(out.contains("w\\x1b]0;owned"), out); // the whitelist entry

    Cli csv = new Cli();
    assertEquals(0, csv.run("report", "--log=" + log, "--format=csv"), csv.err.toString());
    assertNoControls(csv.out.toString());
    assertEquals(1, csv.out.toString().strip().lines().count() - 1, csv.out.toString()); // a day

    Cli js = new Cli();
    assertEquals(0, js.run("report", "--log=" + log, "--format=json"), js.err.toString());
    assertNoControls(js.out.toString());
    assertTrue(
        js.out.toString().contains("new\\u001B]0;owned\\u0007\\u009b2J\\u001B[2J\\r\\u202e"),
        js.out.toString());
  }

  @Test
  void limitsShowShowsControlCharactersInsteadOfSendingThem() throws Exception {
    Path db = dir.resolve("db");
    long now = Instant.now().getEpochSecond();
    try (LmdbStore store = LmdbStore.open(db)) {
      // a rate limit keyed by sender or SASL name counts whatever the client sent
      store
          .addToWindow("rate/burst/a" + HOSTILE + "@example.org", now, 3600, 2, Long.MAX_VALUE)
          .toCompletableFuture()
          .join();
      store.flush();
    }
    Cli cli = new Cli();
    assertEquals(0, cli.run("limits", "show", "--dbdir=" + db), cli.err.toString());
    String out = cli.out.toString();
    assertNoControls(out);
    assertTrue(out.contains("a\\x1b]0;owned\\x07\\x9b2J\\x1b[2J\\x0d\\u202e@example.org"), out);

    Cli none = new Cli();
    assertEquals(0, none.run("limits", "show", "--dbdir=" + db, "b\u001b[2J"));
    assertNoControls(none.out.toString());
    assertTrue(none.out.toString().contains("b\\x1b[2J"), none.out.toString());

    Cli reset = new Cli();
    assertEquals(2, reset.run("limits", "reset", "--dbdir=" + db, "b\u001b[2J"));
    assertNoControls(reset.err.toString());
    assertTrue(reset.err.toString().contains("got 'b\\x1b[2J'"), reset.err.toString());
  }
}
