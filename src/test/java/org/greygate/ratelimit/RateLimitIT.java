package org.greygate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon with --rules over a real socket and LMDB: limits, restarts, reloads, bad files. */
class RateLimitIT {
  @TempDir Path dir;

  static Map<String, String> message(String user) {
    Map<String, String> m = RateLimitPolicyTest.message(user, 1);
    m.put("client_name", "client.example.org");
    return m;
  }

  /** {@code check} answers as the daemon would: the daemon's rules and counters included. */
  @Test
  void checkAppliesTheDaemonsRateLimitsAndChangesNoCounter() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "burst sasl_username messages 3 1h HOLD\n");
    String db = "--dbdir=" + dir.resolve("db");
    try (Daemon d = Daemon.serve("--inet=127.0.0.1:0", db, "--rules=" + rules);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      for (int i = 0; i < 3; i++) assertEquals("DUNNO", c.ask(message("alice@example.org")));
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
    for (int i = 0; i < 2; i++) {
      // the rules come from the options the daemon recorded; the 4th message is over the limit
      Cli cli = new Cli();
      List<String> args = new ArrayList<>(List.of("check", db));
      message("alice@example.org").forEach((k, v) -> args.add(k + "=" + v));
      assertEquals(0, cli.run(args.toArray(String[]::new)), cli.err.toString());
      assertEquals("action=HOLD held for review: rate limit burst\n\n", cli.out.toString());
    }
    Cli bob = new Cli();
    List<String> args = new ArrayList<>(List.of("check", db));
    message("bob@example.org").forEach((k, v) -> args.add(k + "=" + v));
    assertEquals(0, bob.run(args.toArray(String[]::new)), bob.err.toString());
    assertEquals("action=DUNNO\n\n", bob.out.toString());
    Cli shown = new Cli();
    assertEquals(0, shown.run("limits", "show", db), shown.err.toString());
    assertTrue(
        shown.out.toString().matches("(?s)burst +alice@example\\.org +3 +3 +1h\n"),
        shown.out.toString());
  }

  @Test
  void aFloodIsHeldCountsSurviveARestartAndABrokenReloadKeepsTheRules() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(
        rules,
        "burst sasl_username messages 3 1h HOLD\n"
            + "cap   sasl_username messages 5 1h DEFER \"4.7.1 slow down\"\n");
    String[] args = {"--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--rules=" + rules};
    try (Daemon d = Daemon.serve(args)) {
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        for (int i = 0; i < 3; i++) assertEquals("DUNNO", c.ask(message("alice@example.org")));
        assertEquals("HOLD held for review: rate limit burst", c.ask(message("alice@example.org")));
        assertEquals("DUNNO", c.ask(message("bob@example.org")), "others flow");
      }
      String hit = d.awaitLine("action=ratelimit", 10);
      assertTrue(
          hit.contains(
              "action=ratelimit, reason=limit burst, rule=burst, key=alice@example.org, count=4,"
                  + " limit=3, window=1h"),
          hit);
      // the counters, read beside the running daemon (durable within a commit interval)
      String alice = "(?s).*burst +alice@example\\.org +4 +3 +1h\n.*";
      String bob = "(?s).*cap +bob@example\\.org +1 +5 +1h\n.*";
      String shown = "";
      for (int i = 0; i < 100 && !(shown.matches(alice) && shown.matches(bob)); i++) {
        if (i > 0) Thread.sleep(50);
        Cli cli = new Cli();
        assertEquals(
            0,
            cli.run("limits", "show", "--dbdir=" + dir.resolve("db"), "--rules=" + rules),
            cli.err.toString());
        shown = cli.out.toString();
      }
      assertTrue(shown.matches(alice), shown);
      assertTrue(shown.matches(bob), shown);
      Cli one = new Cli();
      one.run("limits", "show", "--dbdir=" + dir.resolve("db"), "BOB@example.org");
      assertEquals(2, one.out.toString().lines().count(), one.out.toString());
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
    // the counters are in the store: a restart does not forget the flood
    try (Daemon d = Daemon.serve(args)) {
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        // the 5th message: still held (burst remembers 4), and it fills the cap
        assertEquals("HOLD held for review: rate limit burst", c.ask(message("alice@example.org")));
        // past the cap: deferred, and a deferred message is not counted, so again
        assertEquals("DEFER 4.7.1 slow down", c.ask(message("alice@example.org")));
        assertEquals("DEFER 4.7.1 slow down", c.ask(message("alice@example.org")));
      }
      int mark = d.mark();
      Files.writeString(
          rules, "burst sasl_username messages 3 1h HOLD\nbad sender nope 1 1h HOLD\n");
      d.signal("HUP");
      String failed = d.awaitLineAfter(mark, "rules reload failed", 10);
      assertTrue(failed.contains(rules + ":2: unknown count 'nope'"), failed);
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertEquals("DEFER 4.7.1 slow down", c.ask(message("alice@example.org")), "rules kept");
      }
      // a good file is picked up on change, without a signal
      mark = d.mark();
      Files.writeString(rules, "burst sasl_username messages 100 1h HOLD\n");
      d.awaitLineAfter(mark, "rules reloaded: 1 rules", 15);
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertEquals("DUNNO", c.ask(message("alice@example.org")));
      }
    }
  }

  @Test
  void anAccountIsResetWhileTheDaemonRunsAndWhileItIsStopped() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "cap sasl_username messages 1 1h DEFER\n");
    Path db = dir.resolve("db");
    String[] args = {"--inet=127.0.0.1:0", "--dbdir=" + db, "--rules=" + rules};
    try (Daemon d = Daemon.serve(args)) {
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertEquals("DUNNO", c.ask(message("alice@example.org")));
        assertTrue(c.ask(message("alice@example.org")).startsWith("DEFER"));
        Cli reset = new Cli();
        assertEquals(
            0,
            reset.run("limits", "reset", "--dbdir=" + db, "Alice@example.org"),
            reset.err.toString());
        assertTrue(
            reset.out.toString().contains("done by the running daemon"), reset.out.toString());
        assertTrue(d.awaitLine("limits reset: Alice@example.org: 1 counters emptied", 10) != null);
        assertEquals("DUNNO", c.ask(message("alice@example.org")), "free again");
        assertTrue(c.ask(message("alice@example.org")).startsWith("DEFER"));
      }
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
    Cli offline = new Cli();
    assertEquals(
        0, offline.run("limits", "reset", "--dbdir=" + db, "--rule=cap", "alice@example.org"));
    assertTrue(offline.out.toString().contains("1 counters emptied"), offline.out.toString());
    try (Daemon d = Daemon.serve(args);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals("DUNNO", c.ask(message("alice@example.org")));
    }
  }

  @Test
  void aBrokenRulesFileStopsTheStartNamingTheLine() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "# limits\nburst sasl_username messages 0 1h HOLD\n");
    Cli cli = new Cli();
    int code =
        cli.run("serve", "--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--rules=" + rules);
    assertEquals(2, code);
    assertTrue(
        cli.err.toString().contains(rules + ":2: limit must be 1 or more, got 0"),
        cli.err.toString());
  }
}
