package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.PostgreyProcess;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration without greylisting everyone again: triplets and AWL clients that a real Postgrey
 * recorded are imported with {@code greygate db import-postgrey} and judged the same way.
 */
class PostgreyImportIT {
  @TempDir Path work;

  static Map<String, String> request(String client, String sender, long time) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("client_address", client);
    m.put("client_name", "mx.example.org");
    m.put("sender", sender);
    m.put("recipient", "b@example.net");
    m.put("instance", "i" + client + sender + time);
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  @Test
  void importedTripletsPassAndAwlClientsStayWhitelisted() throws Exception {
    Requirements.program("db_dump", "/usr/bin/db_dump");
    work.toFile().setExecutable(true, false);
    work.toFile().setReadable(true, false);
    Path empty = Files.writeString(work.resolve("empty"), "");
    long now = System.currentTimeMillis() / 1000;
    try (PostgreyProcess pg =
            PostgreyProcess.start(work, empty, empty, "--auto-whitelist-clients=2");
        PolicyClient c = PolicyClient.tcp(pg.port)) {
      // passed a day ago: 192.0.2.0/24 + bob@..., and an IPv6 one
      c.ask(request("192.0.2.9", "bob+list@example.org", now - 86_400));
      assertTrue(
          c.ask(request("192.0.2.9", "bob+list@example.org", now - 86_000)).startsWith("PREPEND"));
      c.ask(request("2001:db8::5", "carol@example.org", now - 86_400));
      c.ask(request("2001:db8::5", "carol@example.org", now - 86_000));
      // an AWL client: two passes an hour apart
      c.ask(request("198.51.100.7", "x1@example.org", now - 20_000));
      c.ask(request("198.51.100.7", "x1@example.org", now - 19_000));
      c.ask(request("198.51.100.7", "x2@example.org", now - 10_000));
      c.ask(request("198.51.100.7", "x2@example.org", now - 9_000));
      // only greylisted, never retried
      c.ask(request("203.0.113.1", "once@example.org", now - 100));
    }
    // as an admin migrates: root runs the launcher; Postgrey's files are postgrey's alone (0600)
    // and greygate's directory is the daemon's user's (nobody here, greygate with the package)
    Path db = work.resolve("greygate-db");
    Requirements.root("the migration is run as root over two other users' files");
    Files.createDirectory(db);
    Files.setOwner(
        db, db.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    ProcessBuilder pb =
        new ProcessBuilder(
            "bin/greygate",
            "db",
            "import-postgrey",
            "--from=" + work.resolve("postgrey-db"),
            "--dbdir=" + db);
    pb.environment().put("GREYGATE_JAR", Daemon.jar().toAbsolutePath().toString());
    try (Daemon imp = Daemon.start(pb)) {
      assertEquals(0, imp.waitFor(60), imp.output());
      assertTrue(imp.output().contains("imported 5 triplets and 3 clients"), imp.output());
    }
    try (java.util.stream.Stream<Path> files = Files.list(db)) {
      for (Path f : files.toList()) {
        assertEquals("nobody", Files.getOwner(f).getName(), f + " belongs to the daemon's user");
      }
    }
    ProcessBuilder serve =
        new ProcessBuilder(
            "bin/greygate",
            "serve",
            "--user=nobody",
            "--group=nogroup",
            "--inet=127.0.0.1:0",
            "--dbdir=" + db,
            "--trust-policy-test-time",
            "--auto-whitelist-clients=2",
            "--whitelist-clients=" + empty,
            "--whitelist-recipients=" + empty,
            // an imported row that cannot be read must not pass for a DUNNO it holds
            Daemon.FAIL_OPEN_OPTION);
    serve.environment().put("GREYGATE_JAR", Daemon.jar().toAbsolutePath().toString());
    try (Daemon d = Daemon.start(serve)) {
      d.awaitLine("ready", 30);
      askTheImported(d, now);
    }
  }

  static void askTheImported(Daemon d, long now) throws Exception {
    try (PolicyClient c = PolicyClient.tcp(d.port())) {
      assertEquals(
          "DUNNO",
          c.ask(request("192.0.2.200", "bob+other@example.org", now)),
          "known triplet, same /24");
      assertEquals(
          "DUNNO",
          c.ask(request("2001:db8::77", "carol@example.org", now)),
          "known triplet, same /64");
      assertEquals("DUNNO", c.ask(request("198.51.100.7", "new@example.org", now)), "AWL client");
      assertTrue(
          c.ask(request("203.0.113.1", "once@example.org", now)).startsWith("DEFER_IF_PERMIT"),
          "greylisted 100 s ago: still greylisted");
      assertTrue(
          c.ask(request("192.0.2.9", "stranger@example.org", now)).startsWith("DEFER_IF_PERMIT"),
          "unknown triplet");
    }
  }
}
