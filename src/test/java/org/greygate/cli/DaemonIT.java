package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged daemon as an admin runs it: real process, real signals, real files. */
class DaemonIT {
  @TempDir Path dir;

  /** Test times near the real clock: the daemon's expiry sweep runs on real time. */
  static final long T = System.currentTimeMillis() / 1000;

  static Map<String, String> request(String clientName, long offset) {
    long time = T + offset;
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "198.51.100.7");
    m.put("client_name", clientName);
    m.put("sender", "a@example.org");
    m.put("recipient", "b@example.net");
    m.put("instance", "i" + time);
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  String[] args(String... extra) {
    String[] base = {
      "--inet=127.0.0.1:0",
      "--dbdir=" + dir.resolve("db"),
      "--trust-policy-test-time",
      "--whitelist-clients=" + dir.resolve("clients"),
      "--whitelist-recipients=" + dir.resolve("recipients"),
      // a whitelisted client gets DUNNO; a failure never does
      Daemon.FAIL_OPEN_OPTION
    };
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  void writeLists(String clients) throws Exception {
    Files.writeString(dir.resolve("clients"), clients);
    Files.writeString(dir.resolve("recipients"), "postmaster@\n");
  }

  @Test
  void restartKeepsStateAndSigtermStopsCleanly() throws Exception {
    writeLists("");
    Path pid = dir.resolve("greygate.pid");
    try (Daemon d = Daemon.serve(args("--pidfile=" + pid, "--stats-interval=1"))) {
      assertEquals(Long.toString(d.pid()), Files.readString(pid).strip());
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertTrue(c.ask(request("mx.example.org", 1000)).startsWith("DEFER_IF_PERMIT"));
      }
      d.awaitLine("stats: requests=1 greylisted=1 passed_first=0", 10);
      if ("root".equals(System.getProperty("user.name"))) {
        assertTrue(d.output().contains("WARN  ServeCommand: running as root"), d.output());
      }
      long t = System.nanoTime();
      d.signal("TERM");
      assertEquals(143, d.waitFor(10));
      assertTrue(System.nanoTime() - t < 5_000_000_000L, "stopped within 5 s");
      assertTrue(d.output().contains("stopped"), d.output());
      assertTrue(Files.notExists(pid), "pidfile removed");
    }
    try (Daemon d = Daemon.serve(args());
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(
          c.ask(request("mx.example.org", 1300))
              .startsWith("PREPEND X-Greylist: delayed 300 seconds"));
    }
  }

  @Test
  void survivesKill9AndReopens() throws Exception {
    writeLists("");
    try (Daemon d = Daemon.serve(args())) {
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        assertTrue(c.ask(request("mx.example.org", 1000)).startsWith("DEFER"));
      }
      Thread.sleep(300); // well past the group-commit window
      d.signal("KILL");
      d.waitFor(10);
    }
    try (Daemon d = Daemon.serve(args());
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(c.ask(request("mx.example.org", 1300)).startsWith("PREPEND"));
    }
  }

  @Test
  void secondInstanceOnTheSameDbdirRefusesToStart() throws Exception {
    writeLists("");
    try (Daemon first = Daemon.serve(args())) {
      try (Daemon second = Daemon.launch(concat("serve", args()))) {
        assertEquals(1, second.waitFor(20));
        assertTrue(
            second.output().contains("is in use by another greygate process"), second.output());
      }
      assertTrue(first.isAlive());
    }
  }

  @Test
  void whitelistsReloadOnSighupAndOnFileChangeAndKeepTheOldListOnError() throws Exception {
    writeLists("");
    try (Daemon d = Daemon.serve(args());
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(c.ask(request("mx.one.example", 1000)).startsWith("DEFER"));

      // SIGHUP
      Files.writeString(dir.resolve("clients"), "one.example\n");
      int mark = d.mark();
      d.signal("HUP");
      d.awaitLineAfter(mark, "whitelists reloaded", 10);
      assertEquals("DUNNO", c.ask(request("mx.one.example", 1001)));

      // file change alone (an editor's rename-into-place)
      mark = d.mark();
      Path tmp = dir.resolve("clients.tmp");
      Files.writeString(tmp, "one.example\ntwo.example\n");
      Files.move(
          tmp,
          dir.resolve("clients"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      d.awaitLineAfter(mark, "whitelists reloaded", 10);
      assertEquals("DUNNO", c.ask(request("mx.two.example", 1002)));

      // a .local companion is watched too
      mark = d.mark();
      Files.writeString(dir.resolve("clients.local"), "three.example\n");
      d.awaitLineAfter(mark, "whitelists reloaded", 10);
      assertEquals("DUNNO", c.ask(request("mx.three.example", 1003)));

      // a broken file: error names file and line, previous lists stay
      mark = d.mark();
      Files.writeString(dir.resolve("clients"), "one.example\n/(unclosed/\n");
      String err = d.awaitLineAfter(mark, "whitelist reload failed", 10);
      assertTrue(err.contains(dir.resolve("clients") + ":2:"), err);
      assertEquals("DUNNO", c.ask(request("mx.two.example", 1004)));
    }
  }

  @Test
  void brokenWhitelistAtStartupExitsTwoNamingFileAndLine() throws Exception {
    writeLists("example.org\n300.1.2.3\n");
    try (Daemon d = Daemon.launch(concat("serve", args()))) {
      assertEquals(2, d.waitFor(20));
      assertTrue(
          d.output().contains(dir.resolve("clients") + ":2: not an IP address: 300.1.2.3"),
          d.output());
    }
  }

  static String[] concat(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Test
  void jsonDecisionLinesComeFromTheRunningDaemon() throws Exception {
    writeLists("");
    try (Daemon d = Daemon.serve(args("--log-format=json"));
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(c.ask(request("mx.example.org", 1000)).startsWith("DEFER_IF_PERMIT"));
      String line = d.awaitLine("\"action\":\"greylist\"", 10);
      assertTrue(
          line.contains("{\"action\":\"greylist\",\"reason\":\"new\",\"outcome\":\"defer\""), line);
      assertTrue(!d.output().contains("action=greylist, reason=new"), d.output());
    }
  }

  @Test
  void anUnknownLogFormatIsRefusedAtStart() throws Exception {
    writeLists("");
    try (Daemon d = Daemon.launch(serve("--log-format=xml"))) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(d.output().contains("--log-format must be text or json, got 'xml'"), d.output());
    }
  }

  @Test
  void aDnsBudgetThatLeavesNoTimeForTheDecisionIsRefused() throws Exception {
    writeLists("");
    for (String dnsTimeout : List.of("2000", "1950")) {
      try (Daemon d =
          Daemon.launch(
              serve(
                  "--dnsbl=bl.example.org",
                  "--dns-server=127.0.0.1:9",
                  "--reply-timeout=2000",
                  "--dns-timeout=" + dnsTimeout))) {
        assertEquals(2, d.waitFor(20), d.output());
        assertTrue(
            d.output().contains("--dns-timeout (" + dnsTimeout + " ms) must leave --reply-timeout"),
            d.output());
      }
    }
  }

  @Test
  void anUnwritablePidfileIsNamedInOneLine() throws Exception {
    writeLists("");
    Path pid = dir.resolve("no-such-dir").resolve("greygate.pid");
    try (Daemon d = Daemon.launch(serve("--pidfile=" + pid))) {
      assertEquals(1, d.waitFor(20), d.output());
      assertTrue(
          d.output().contains("greygate: --pidfile " + pid + ": no such file or directory"),
          d.output());
      assertTrue(!d.output().contains("\tat "), "no stack trace: " + d.output());
    }
  }

  String[] serve(String... extra) {
    List<String> all = new java.util.ArrayList<>(List.of("serve"));
    all.addAll(List.of(args(extra)));
    return all.toArray(String[]::new);
  }
}
