package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreygateCliTest {
  @TempDir Path dir;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  int run(String... args) {
    return GreygateCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void versionAndHelp() {
    assertEquals(0, run("--version"));
    assertTrue(out.toString().startsWith("greygate "));
    assertEquals(0, run("serve", "--help"));
    assertTrue(out.toString().contains("--greylist-action"));
    assertEquals(0, run("check", "--help"));
    assertEquals(0, run("db", "stats", "--help"));
  }

  @Test
  void badOptionsExitTwoWithOneLineReason() {
    assertEquals(2, run("serve", "--no-such-option"));
    assertTrue(err.toString().contains("Unknown option: '--no-such-option'"), err.toString());
    assertEquals(2, run("serve", "--inet=10023", "--retry-window=3x"));
    assertTrue(err.toString().contains("--retry-window"), err.toString());
    assertEquals(2, run("serve", "--dbdir=" + dir));
    assertTrue(err.toString().contains("--unix or --inet must be given"), err.toString());
    assertEquals(2, run("serve", "--inet=host:notaport", "--dbdir=" + dir));
    assertTrue(err.toString().contains("not a port number"), err.toString());
    assertEquals(2, run("serve", "--inet=10023", "--socketmode=999"));
    assertEquals(2, run("serve", "--inet=10023", "--dbdir=" + dir, "--commit-interval=900"));
    assertTrue(
        err.toString().contains("--commit-interval must be between 0 and 500"), err.toString());
    assertEquals(2, run("responder"));
    assertTrue(err.toString().contains("exactly one of --inet and --unix"), err.toString());
  }

  @Test
  void postgreyOptsAreAccepted() throws Exception {
    // everything a Debian /etc/default/postgrey might carry parses (serve then fails on the
    // deliberately broken whitelist path, after parsing)
    int code =
        run(
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir,
            "--delay=60",
            "--max-age=10",
            "--retry-window=6h",
            "--greylist-action=DEFER",
            "--greylist-text=wait",
            "--x-greylist-header=X-G: %t",
            "--lookup-by-subnet",
            "--ipv4cidr=24",
            "--ipv6cidr=64",
            "--auto-whitelist-clients",
            "--privacy",
            "--hostname=mx",
            "-d",
            "--pidfile=/run/x.pid",
            "--user=postgrey",
            "--group=postgrey",
            "--syslog-facility=mail",
            "--exim",
            "--listen-queue-size=50",
            "-v",
            "--whitelist-clients=" + dir.resolve("missing"));
    assertEquals(2, code);
    assertTrue(err.toString().contains(dir.resolve("missing") + ": no such file"), err.toString());
  }

  @Test
  void configFileOptionsGoFirstAndErrorsNameTheLine() throws Exception {
    Path cfg = dir.resolve("greygate.conf");
    Files.writeString(cfg, "# comment\ndelay=60\n--inet 10023\nprivacy\nwhitelist-clients = /a\n");
    var root = new picocli.CommandLine(new GreygateCli());
    String[] expanded =
        GreygateCli.expandConfig(
            new String[] {"serve", "--config", cfg.toString(), "--delay=5"}, root);
    assertEquals(
        java.util.List.of(
            "serve",
            "--delay=60",
            "--inet=10023",
            "--privacy",
            "--whitelist-clients=/a",
            "--delay=5"),
        java.util.List.of(expanded));
    Files.writeString(cfg, "delay=60\nbogus=1\n");
    assertEquals(2, run("serve", "--config=" + cfg));
    assertTrue(err.toString().contains(cfg + ":2: unknown option 'bogus'"), err.toString());
    Files.writeString(cfg, "privacy=yes\n");
    assertEquals(2, run("serve", "--config=" + cfg));
    assertTrue(
        err.toString().contains(cfg + ":1: option 'privacy' takes no value"), err.toString());
  }

  @Test
  void checkAnswersWithoutADatabase() {
    assertEquals(
        0,
        run(
            "check",
            "--dbdir=" + dir.resolve("none"),
            "client_address=192.0.2.1",
            "client_name=mx.example.org",
            "sender=a@example.org",
            "recipient=b@example.net"));
    assertTrue(out.toString().startsWith("action=DEFER_IF_PERMIT Greylisted"), out.toString());
    assertTrue(err.toString().contains("action=greylist, reason=new"), err.toString());
    assertEquals(2, run("check", "--dbdir=" + dir.resolve("none"), "client_address"));
    assertTrue(
        err.toString().contains("attribute 'client_address' is not NAME=VALUE"), err.toString());
  }
}
