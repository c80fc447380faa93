package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.PostgreyProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the same randomised request sequences against Postgrey 1.37 (the Debian package) and
 * greygate and requires the same answer to every request. Both get the time from the
 * policy_test_time attribute; the greylist text and header are set to forms without a date or a
 * product name, so the answers can be compared as whole strings (seconds left, seconds delayed).
 */
class PostgreyDifferentialIT {
  static final String[] OPTIONS = {
    "--delay=300",
    "--retry-window=6h",
    "--auto-whitelist-clients=3",
    "--greylist-text=wait %s",
    "--x-greylist-header=X-Greylist: delayed %t seconds"
  };

  Path work;
  PostgreyProcess postgrey;

  @BeforeEach
  void setUp() throws IOException {
    work = Files.createTempDirectory("greygate-diff");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        work.resolve("clients"),
        "# whitelisted client names\nrelay.trusted.example\n203.0.113.0/24\n");
    Files.writeString(work.resolve("recipients"), "postmaster@\nopen.example\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (postgrey != null) {
      postgrey.close();
    }
    try (Stream<Path> s = Files.walk(work)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void sameAnswersAsPostgrey(long seed) throws Exception {
    postgrey =
        PostgreyProcess.start(work, work.resolve("clients"), work.resolve("recipients"), OPTIONS);
    int port = postgrey.port;
    List<Map<String, String>> requests = sequence(new Random(seed), 1000);
    String[] args = new String[OPTIONS.length + 7];
    System.arraycopy(OPTIONS, 0, args, 0, OPTIONS.length);
    args[OPTIONS.length] = "--inet=127.0.0.1:0";
    args[OPTIONS.length + 1] = "--dbdir=" + work.resolve("greygate-db");
    args[OPTIONS.length + 2] = "--trust-policy-test-time";
    args[OPTIONS.length + 3] = "--whitelist-clients=" + work.resolve("clients");
    args[OPTIONS.length + 4] = "--whitelist-recipients=" + work.resolve("recipients");
    args[OPTIONS.length + 5] = "-q";
    // Postgrey's passes are DUNNO: a store failing under greygate must not look like one
    args[OPTIONS.length + 6] = Daemon.FAIL_OPEN_OPTION;
    int mismatches = 0;
    StringBuilder report = new StringBuilder();
    Map<String, Integer> classes = new LinkedHashMap<>();
    try (Daemon greygate = Daemon.serve(args);
        PolicyClient theirs = PolicyClient.tcp(port);
        PolicyClient ours = PolicyClient.tcp(greygate.port())) {
      for (int i = 0; i < requests.size(); i++) {
        Map<String, String> r = requests.get(i);
        String expected = theirs.ask(r);
        String actual = ours.ask(r);
        classes.merge(expected.split(" ")[0], 1, Integer::sum);
        if (!expected.equals(actual)) {
          if (++mismatches <= 10) {
            report
                .append("\n#")
                .append(i)
                .append(' ')
                .append(r)
                .append("\n  postgrey: ")
                .append(expected)
                .append("\n  greygate: ")
                .append(actual);
          }
        }
      }
    }
    System.out.println("seed " + seed + ": " + requests.size() + " requests, answers " + classes);
    if (mismatches > 0) {
      fail(mismatches + " of " + requests.size() + " answers differ (seed " + seed + "):" + report);
    }
    // the sequence must exercise every class, or it proves little
    assertTrue(classes.getOrDefault("DEFER_IF_PERMIT", 0) > 20, classes.toString());
    assertTrue(classes.getOrDefault("PREPEND", 0) > 10, classes.toString());
    assertTrue(classes.getOrDefault("DUNNO", 0) > 20, classes.toString());
  }

  /** Messages from a few clients/senders to a few recipients, with realistic retry gaps. */
  static List<Map<String, String>> sequence(Random rnd, int count) {
    String[][] clients = {
      {"192.0.2.10", "mx1.sender.example"},
      {"192.0.2.77", "mx2.sender.example"}, // same /24 as mx1
      {"198.51.100.5", "unknown"},
      {"2001:db8:5:6::1", "v6.sender.example"},
      {"2001:db8:5:6:ffff::2", "v6b.sender.example"}, // same /64
      {"2001:db8:7::9", "other6.example"},
      {"203.0.113.9", "unknown"}, // whitelisted network
      {"192.0.2.200", "relay.trusted.example"}, // whitelisted name
      {"100.64.1.1", "pool.bulk.example"},
    };
    String[] senders = {
      "alice@sender.example",
      "Alice@Sender.Example",
      "bounce-1234@lists.example",
      "bounce-98765@lists.example",
      "bob+tag@sender.example",
      "bob+other@sender.example",
      "bob@sender.example",
      "prvs=0123456789=carol@batv.example",
      "prvs=9876543210=carol@batv.example",
      "",
      "news@bulk.example"
    };
    String[] recipients = {
      "user1@rcpt.example",
      "USER2@rcpt.example",
      "user3@other.example",
      "postmaster@rcpt.example",
      "x@open.example",
      "y@sub.open.example"
    };
    List<Map<String, String>> out = new ArrayList<>();
    long now = System.currentTimeMillis() / 1000;
    int message = 0;
    while (out.size() < count) {
      int gap = rnd.nextInt(100);
      now +=
          gap < 60
              ? rnd.nextInt(120)
              : gap < 90 ? 100 + rnd.nextInt(600) : gap < 98 ? 3000 + rnd.nextInt(20_000) : 86_400;
      String[] client = clients[rnd.nextInt(clients.length)];
      String sender = senders[rnd.nextInt(senders.length)];
      String instance = "msg" + (message++) + "." + rnd.nextInt(1_000_000);
      int rcpts = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(3) : 0);
      for (int k = 0; k < rcpts && out.size() < count; k++) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("request", "smtpd_access_policy");
        m.put("protocol_state", "RCPT");
        m.put("protocol_name", "ESMTP");
        m.put("client_address", client[0]);
        m.put("client_name", client[1]);
        m.put("reverse_client_name", client[1]);
        m.put("helo_name", client[1]);
        m.put("sender", sender);
        m.put("recipient", recipients[rnd.nextInt(recipients.length)]);
        m.put("recipient_count", "0");
        m.put("queue_id", "");
        m.put("instance", instance);
        m.put("size", "0");
        m.put("etrn_domain", "");
        m.put("policy_test_time", Long.toString(now));
        if (rnd.nextInt(50) == 0) m.remove("sender"); // incomplete request: DUNNO from both
        out.add(m);
      }
    }
    return out;
  }
}
