package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.greygate.app.ProcessSettings;
import org.greygate.greylist.GreylistSettings;
import org.greygate.server.ListenAddress;
import org.greygate.server.ServerSettings;
import org.greygate.store.StoreSettings;
import org.greygate.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreygateCliTest {
  @TempDir Path dir;
  final Cli cli = new Cli();
  final StringWriter out = cli.out;
  final StringWriter err = cli.err;

  int run(String... args) {
    return cli.run(args);
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
    assertTrue(err.toString().contains("unknown option '--no-such-option'"), err.toString());
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
  void mistakesNameTheRightCommand() {
    assertEquals(2, run("frobnicate"));
    assertTrue(err.toString().contains("Try 'greygate --help'."), err.toString());
    assertEquals(2, run("db", "stats", "--bogus"));
    assertTrue(err.toString().contains("Try 'greygate db stats --help'."), err.toString());
    // db alone does nothing: say so, exit 2
    assertEquals(2, run("db"));
    assertTrue(err.toString().contains("greygate db: give a subcommand"), err.toString());
    // a closed port is one line, not a stack trace
    assertEquals(1, run("bench", "--target=127.0.0.1:1", "--duration=0.2", "--warmup=0"));
    assertTrue(
        err.toString().contains("cannot load 127.0.0.1:1: Connection refused"), err.toString());
    assertTrue(!err.toString().contains("\tat "), err.toString());
  }

  @Test
  void misspeltCommandsAndOptionsGetASuggestion() throws Exception {
    assertEquals(2, run("reprot"));
    assertEquals(
        "greygate: unknown command 'reprot'; did you mean report?\n" + "Try 'greygate --help'.\n",
        err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("serve", "--dely=300"));
    assertEquals(
        "greygate: unknown option '--dely=300'; did you mean --delay?\n"
            + "Try 'greygate serve --help'.\n",
        err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("db", "stat"));
    assertTrue(
        err.toString().startsWith("greygate db: unknown command 'stat'; did you mean stats?\n"),
        err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("report", "--dbdri", dir.toString()));
    assertTrue(
        err.toString().startsWith("greygate: unknown option '--dbdri'; did you mean --dbdir?\n"),
        err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("limits", "show", "--rule=x"));
    assertTrue(
        err.toString().startsWith("greygate: unknown option '--rule=x'; did you mean --rules?\n"),
        err.toString());
    // nothing close: no guess, just the word
    err.getBuffer().setLength(0);
    assertEquals(2, run("frobnicate"));
    assertEquals(
        "greygate: unknown command 'frobnicate'\nTry 'greygate --help'.\n", err.toString());
    err.getBuffer().setLength(0);
    assertEquals(2, run("serve", "--zzzzzz"));
    assertTrue(err.toString().startsWith("greygate: unknown option '--zzzzzz'\n"), err.toString());
    // a word too many for a command without subcommands is named as such
    err.getBuffer().setLength(0);
    assertEquals(2, run("limits", "show", "--dbdir=" + dir, "a", "b"));
    assertTrue(err.toString().startsWith("greygate: unexpected argument 'b'\n"), err.toString());
    // and the configuration file's misspellings too
    Path cfg = dir.resolve("greygate.conf");
    Files.writeString(cfg, "inet=10023\ndely=2\n");
    err.getBuffer().setLength(0);
    assertEquals(2, run("serve", "--config=" + cfg));
    assertTrue(
        err.toString().contains(cfg + ":2: unknown option 'dely'; did you mean delay?"),
        err.toString());
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
    // as root, --user postgrey stops it first: a JVM cannot switch user (the launcher does)
    String expected =
        org.greygate.testing.Requirements.isRoot()
            ? "asked to run as --user postgrey but running as root"
            : dir.resolve("missing") + ": no such file";
    assertTrue(err.toString().contains(expected), err.toString());
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
            "serve", "--inet=10023", "--privacy", "--whitelist-clients=/a", "--delay=5"),
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
  void theCommandLineReplacesTheConfigFilesValues() throws Exception {
    Path cfg = dir.resolve("greygate.conf");
    Files.writeString(
        cfg, "dbdir=/var/lib/elsewhere\ndelay=60\ninet=127.0.0.1:10023\ninet=[::1]:10023\n");
    var root = new picocli.CommandLine(new GreygateCli());
    String[] expanded =
        GreygateCli.expandConfig(
            new String[] {
              "serve", "--config", cfg.toString(), "--dbdir=" + dir, "-i", "127.0.0.1:10025"
            },
            root);
    // parses (no "should be specified only once"), and the command line won
    var parsed = root.parseArgs(expanded);
    ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
    assertEquals(dir, serve.options.settings().get(StoreSettings.DBDIR));
    assertEquals(60, serve.options.settings().get(GreylistSettings.DELAY));
    assertEquals(inet("127.0.0.1", 10025), serve.options.settings().get(ServerSettings.INET));
    // short forms count as given too: an attached value, a cluster of flags
    Files.writeString(cfg, "inet=127.0.0.1:10023\nverbose\nauto-whitelist-clients\n");
    expanded =
        GreygateCli.expandConfig(
            new String[] {"serve", "--config=" + cfg, "-i127.0.0.1:10024", "-vq"}, root);
    serve = (ServeCommand) root.parseArgs(expanded).subcommand().commandSpec().userObject();
    assertEquals(inet("127.0.0.1", 10024), serve.options.settings().get(ServerSettings.INET));
    assertEquals(5, serve.options.settings().get(GreylistSettings.AUTO_WHITELIST_CLIENTS));
    assertTrue(serve.options.settings().get(ProcessSettings.VERBOSE));
    assertTrue(serve.options.settings().get(ProcessSettings.QUIET));
  }

  static java.util.List<ListenAddress.Inet> inet(String host, int port) {
    return java.util.List.of(new ListenAddress.Inet(host, port));
  }

  @Test
  void theShippedConfigFileServesServeAndCheck() {
    Path shipped = Path.of("config/greygate.conf");
    var root = new picocli.CommandLine(new GreygateCli());
    String[] expanded =
        GreygateCli.expandConfig(new String[] {"serve", "--config=" + shipped}, root);
    ServeCommand serve =
        (ServeCommand) root.parseArgs(expanded).subcommand().commandSpec().userObject();
    assertEquals(inet("127.0.0.1", 10023), serve.options.settings().get(ServerSettings.INET));
    // check takes the same file; the command line points it at this tree's lists and a temp dir
    assertEquals(
        0,
        check(
            "--config=" + shipped,
            "--dbdir=" + dir,
            "--whitelist-clients=whitelists/whitelist_clients",
            "--whitelist-recipients=whitelists/whitelist_recipients"));
    assertTrue(out.toString().startsWith("action=DEFER_IF_PERMIT"), out.toString());
  }

  @Test
  void aBareOptionalValueInTheFileDoesNotSwallowAnAttribute() throws Exception {
    Path cfg = dir.resolve("greygate.conf");
    Files.writeString(cfg, "dbdir=" + dir + "\nauto-whitelist-clients\n");
    assertEquals(0, check("--config=" + cfg));
    assertTrue(out.toString().startsWith("action=DEFER_IF_PERMIT"), out.toString());
  }

  @Test
  void actionsAreCheckedAgainstAccess5AtStart() {
    assertEquals(
        2, run("serve", "--inet=10023", "--dbdir=" + dir, "--greylist-action=DEFER_IF_PERMT"));
    assertTrue(
        err.toString().contains("--greylist-action 'DEFER_IF_PERMT' is not a temporary refusal"),
        err.toString());
    assertEquals(2, run("serve", "--inet=10023", "--dbdir=" + dir, "--store-failure-action=NOPE"));
    assertTrue(
        err.toString().contains("--store-failure-action 'NOPE' is not an access(5) action"),
        err.toString());
    assertEquals(2, run("check", "--dbdir=" + dir, "--greylist-action=REJECT", "recipient=a@b"));
    assertEquals(2, run("serve", "--inet=10023", "--dbdir=" + dir, "--delay=-1"));
    assertTrue(err.toString().contains("--delay must be >= 0 seconds, got -1"), err.toString());
  }

  static final String[] REQUEST = {
    "client_address=192.0.2.1",
    "client_name=mx.example.org",
    "sender=a@example.org",
    "recipient=b@example.net"
  };

  int check(String... options) {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("check"));
    args.addAll(java.util.List.of(options));
    args.addAll(java.util.List.of(REQUEST));
    return run(args.toArray(String[]::new));
  }

  /**
   * check prints the decision line itself, on stderr, in the format --log-format names; serve logs
   * its lines through the daemon's logger, which {@code
   * DaemonIT.jsonDecisionLinesComeFromTheRunningDaemon} holds on a running daemon.
   */
  @Test
  void checkPrintsItsDecisionLineInTheChosenFormat() {
    assertEquals(0, check("--dbdir=" + dir));
    String reply = out.toString();
    assertTrue(reply.startsWith("action=DEFER_IF_PERMIT Greylisted"), reply);
    assertEquals(
        "action=greylist, reason=new, client_name=mx.example.org, client_address=192.0.2.1,"
            + " sender=a@example.org, recipient=b@example.net"
            + System.lineSeparator(),
        err.toString());
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);

    assertEquals(0, check("--dbdir=" + dir, "--log-format=json"));
    // the reply does not depend on the log format; the decision line is one JSON object alone
    assertEquals(reply, out.toString());
    assertEquals(
        "{\"action\":\"greylist\",\"reason\":\"new\",\"outcome\":\"defer\","
            + "\"client_name\":\"mx.example.org\",\"client_address\":\"192.0.2.1\","
            + "\"sender\":\"a@example.org\",\"recipient\":\"b@example.net\"}"
            + System.lineSeparator(),
        err.toString());
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);

    assertEquals(2, check("--dbdir=" + dir, "--log-format=xml"));
    assertEquals("", out.toString());
    assertTrue(err.toString().contains("--log-format must be text or json"), err.toString());
  }

  @Test
  void checkAnswersFromAnEmptyDirectoryButRefusesAMissingOne() throws Exception {
    assertEquals(0, check("--dbdir=" + dir));
    assertTrue(out.toString().startsWith("action=DEFER_IF_PERMIT Greylisted"), out.toString());
    assertTrue(err.toString().contains("action=greylist, reason=new"), err.toString());
    assertEquals(2, check("--dbdir=" + dir.resolve("none")));
    assertTrue(
        err.toString().contains(dir.resolve("none") + ": no such directory"), err.toString());
    assertEquals(2, run("check", "--dbdir=" + dir, "client_address"));
    assertTrue(
        err.toString().contains("attribute 'client_address' is not NAME=VALUE"), err.toString());
  }

  @Test
  void checkAnswersWithTheDaemonsOptions() throws Exception {
    Path db = dir.resolve("db");
    long now = java.time.Instant.now().getEpochSecond();
    try (var store = org.greygate.store.lmdb.LmdbStore.open(db)) {
      // greylisted 10 s ago by a daemon running with --delay=2
      org.greygate.testing.Rows.put(
          store,
          "192.0.2.0/a@example.org/b@example.net",
          new org.greygate.store.TripletEntry(now - 10, now - 10));
    }
    // what serve records at start, from the options it was given
    var root = new picocli.CommandLine(new GreygateCli());
    var parsed = root.parseArgs("serve", "--inet=10023", "--dbdir=" + db, "--delay=2");
    RecordedOptions.write(parsed.subcommand().commandSpec(), db);
    assertEquals(0, check("--dbdir=" + db));
    assertTrue(out.toString().startsWith("action=PREPEND X-Greylist"), out.toString());
    assertTrue(
        err.toString().contains("action=pass, reason=triplet found, delay="), err.toString());
    // the command line still wins over the recorded options
    out.getBuffer().setLength(0);
    assertEquals(0, check("--dbdir=" + db, "--delay=300"));
    assertTrue(out.toString().startsWith("action=DEFER_IF_PERMIT"), out.toString());
    // and check takes serve's configuration file, listeners and all
    Path cfg = dir.resolve("greygate.conf");
    Files.writeString(cfg, "inet=10023\ndbdir=" + db + "\ndelay=2\nmax-connections=50\n");
    out.getBuffer().setLength(0);
    assertEquals(0, check("--config=" + cfg));
    assertTrue(out.toString().startsWith("action=PREPEND"), out.toString());
  }
}
