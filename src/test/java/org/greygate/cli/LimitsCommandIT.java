package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code limits show} and {@code limits reset} as a postmaster uses them, README in hand: the
 * daemon's own rules without repeating {@code --rules}, an address found in its network's counter,
 * a misspelt rule refused rather than "done", a key with nothing counted said so.
 */
class LimitsCommandIT {
  @TempDir Path dir;
  Path db;
  Path rules;

  static final String RULES =
      "ip-bulk      client_address/24  messages   500   1h HOLD\n"
          + "ip-one       client_address     messages   50    1h HOLD\n"
          + "user-daily   sasl_username      recipients 2000  1d DEFER\n"
          + "domain-daily sender_domain      messages   10000 1d HOLD\n";

  @BeforeEach
  void setUp() throws Exception {
    db = dir.resolve("db");
    rules = Files.writeString(dir.resolve("greygate.rules"), RULES);
  }

  /** Counters as the daemon leaves them, and its recorded options naming the rules file. */
  void countersAndRecordedOptions() throws Exception {
    long now = Instant.now().getEpochSecond();
    try (LmdbStore store = LmdbStore.open(db)) {
      add(store, "rate/ip-bulk/203.0.113.0/24", 3600, 7, now);
      add(store, "rate/ip-bulk/198.51.100.0/24", 3600, 9, now);
      add(store, "rate/ip-one/203.0.113.7/32", 3600, 4, now);
      add(store, "rate/user-daily/alice@example.org", 86_400, 30, now);
      add(store, "rate/user-daily/bob@example.org", 86_400, 2, now);
      add(store, "rate/domain-daily/example.org", 86_400, 32, now);
      store.flush();
    }
    var parsed =
        new picocli.CommandLine(new GreygateCli())
            .parseArgs("serve", "--inet=10023", "--dbdir=" + db, "--rules=" + rules);
    RecordedOptions.write(parsed.subcommand().commandSpec(), db);
  }

  static void add(LmdbStore store, String key, long window, long n, long now) {
    store.addToWindow(key, now, window, n, Long.MAX_VALUE).toCompletableFuture().join();
  }

  Cli cli(int expected, String... args) {
    Cli cli = new Cli();
    assertEquals(expected, cli.run(args), cli.err + "" + cli.out);
    return cli;
  }

  @Test
  void showTakesTheRulesTheDaemonRecorded() throws Exception {
    countersAndRecordedOptions();
    String shown = cli(0, "limits", "show", "--dbdir=" + db).out.toString();
    assertTrue(shown.matches("(?s).*ip-bulk +203\\.0\\.113\\.0/24 +7 +500 +1h\n.*"), shown);
    assertTrue(shown.matches("(?s).*user-daily +alice@example\\.org +30 +2000 +1d\n.*"), shown);
    // --rules given still wins (a copy with other limits)
    Path other = Files.writeString(dir.resolve("other.rules"), RULES.replace("2000", "3000"));
    shown = cli(0, "limits", "show", "--dbdir=" + db, "--rules=" + other).out.toString();
    assertTrue(shown.matches("(?s).*user-daily +alice@example\\.org +30 +3000 +1d\n.*"), shown);
    // the help says where the default comes from
    String help = cli(0, "limits", "show", "--help").out.toString();
    assertTrue(help.contains("serve.options"), help);
  }

  @Test
  void anAddressFindsTheNetworksCountingIt() throws Exception {
    countersAndRecordedOptions();
    String shown = cli(0, "limits", "show", "--dbdir=" + db, "203.0.113.7").out.toString();
    assertTrue(shown.matches("(?s).*ip-bulk +203\\.0\\.113\\.0/24 +7 +500 +1h\n.*"), shown);
    assertTrue(shown.matches("(?s).*ip-one +203\\.0\\.113\\.7/32 +4 +50 +1h\n.*"), shown);
    assertEquals(2, shown.lines().count(), shown);
    // another address of the /24: its network only
    shown = cli(0, "limits", "show", "--dbdir=" + db, "203.0.113.200").out.toString();
    assertEquals(1, shown.lines().count(), shown);
    assertTrue(shown.startsWith("ip-bulk "), shown);
    // a network: the counters of it and of the networks holding it
    shown = cli(0, "limits", "show", "--dbdir=" + db, "203.0.113.0/24").out.toString();
    assertEquals(1, shown.lines().count(), shown);
    // an account: its own counters and its domain's
    shown = cli(0, "limits", "show", "--dbdir=" + db, "Alice@Example.org").out.toString();
    assertTrue(shown.matches("(?s).*user-daily +alice@example\\.org +30 +2000 +1d\n.*"), shown);
    assertTrue(shown.matches("(?s).*domain-daily +example\\.org +32 +10000 +1d\n.*"), shown);
    assertEquals(2, shown.lines().count(), shown);
    assertFalse(shown.contains("bob"), shown);
  }

  @Test
  void resetRefusesAnUnknownRuleAndSaysWhenThereIsNothingToReset() throws Exception {
    countersAndRecordedOptions();
    Cli c = cli(2, "limits", "reset", "--dbdir=" + db, "--rule=nosuchrule", "alice@example.org");
    assertEquals(
        "greygate: --rule nosuchrule: no such rule (the rules: domain-daily, ip-bulk, ip-one,"
            + " user-daily)\n",
        c.err.toString());
    assertEquals("", c.out.toString());
    c = cli(2, "limits", "reset", "--dbdir=" + db, "--rule=user-daly", "alice@example.org");
    assertEquals(
        "greygate: --rule user-daly: no such rule; did you mean user-daily?\n", c.err.toString());
    // nothing was reset by either
    String shown = cli(0, "limits", "show", "--dbdir=" + db, "alice@example.org").out.toString();
    assertTrue(shown.contains(" 30 "), shown);

    c = cli(0, "limits", "reset", "--dbdir=" + db, "carol@example.org");
    assertEquals(
        "nothing to reset: no counter of carol@example.org holds anything"
            + " (counted as part of: domain-daily example.org)\n",
        c.out.toString());
    // carol's own counters only, not her domain's (that would free every sender of it); the
    // domain's counter is named. An address inside a counted network likewise:
    c = cli(0, "limits", "reset", "--dbdir=" + db, "--rule=ip-bulk", "203.0.113.9");
    assertEquals(
        "nothing to reset: no counter of 203.0.113.9 in ip-bulk holds anything"
            + " (counted as part of: ip-bulk 203.0.113.0/24)\n",
        c.out.toString());
    // an address counted on its own (client_address without grouping: a /32) is found
    c = cli(0, "limits", "reset", "--dbdir=" + db, "203.0.113.7");
    assertEquals("reset 203.0.113.7: 1 counters emptied\n", c.out.toString());
    c = cli(0, "limits", "reset", "--dbdir=" + db, "203.0.113.0/24");
    assertEquals("reset 203.0.113.0/24: 1 counters emptied\n", c.out.toString());
    shown = cli(0, "limits", "show", "--dbdir=" + db, "203.0.113.7").out.toString();
    assertEquals("(nothing counted for 203.0.113.7)\n", shown);
  }

  @Test
  void withoutARulesFileARuleIsKnownByItsCounters() throws Exception {
    countersAndRecordedOptions();
    Files.delete(db.resolve(RecordedOptions.FILE));
    cli(0, "limits", "reset", "--dbdir=" + db, "--rule=user-daily", "bob@example.org");
    Cli c = cli(2, "limits", "reset", "--dbdir=" + db, "--rule=user-weekly", "bob@example.org");
    assertEquals(
        "greygate: --rule user-weekly: no counter holds anything under that rule, and no rules"
            + " file is known (give --rules FILE, the daemon's)\n",
        c.err.toString());
  }

  @Test
  void besideTheRunningDaemon() throws Exception {
    String[] args = {"--inet=127.0.0.1:0", "--dbdir=" + db, "--rules=" + rules};
    try (Daemon d = Daemon.serve(args)) {
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertEquals("DUNNO", c.ask(message("alice@example.org")));
      }
      // the daemon's rules, without --rules: the LIMIT column is filled
      String shown = "";
      for (int i = 0; i < 100 && !shown.contains("alice"); i++) {
        if (i > 0) Thread.sleep(50);
        shown = cli(0, "limits", "show", "--dbdir=" + db).out.toString();
      }
      assertTrue(shown.matches("(?s).*user-daily +alice@example\\.org +1 +2000 +1d\n.*"), shown);
      // refused and said before anything is handed to the daemon
      Cli c = cli(2, "limits", "reset", "--dbdir=" + db, "--rule=nosuchrule", "alice@example.org");
      assertTrue(
          c.err.toString().startsWith("greygate: --rule nosuchrule: no such rule"), c.err + "");
      // beside the daemon the disk is up to a commit behind, so "nothing to reset" cannot be
      // told from it: the daemon, which holds the live counters, decides and logs how many
      c = cli(0, "limits", "reset", "--dbdir=" + db, "carol@example.org");
      assertTrue(c.out.toString().contains("done by the running daemon"), c.out.toString());
      d.awaitLine("limits reset: carol@example.org: 0 counters emptied", 10);
      try (var requests = Files.newDirectoryStream(db, "limits-reset-*")) {
        assertFalse(requests.iterator().hasNext(), "a request was left for the daemon");
      }
    }
  }

  static Map<String, String> message(String user) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "END-OF-MESSAGE");
    m.put("client_address", "192.0.2.10");
    m.put("client_name", "client.example.org");
    m.put("sasl_username", user);
    m.put("sender", user);
    m.put("recipient_count", "1");
    m.put("size", "1000");
    return m;
  }
}
