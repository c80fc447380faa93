package org.greygate.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as an admin meets it, on this machine as root: lintian, dpkg -i, the daemon
 * started the way the systemd unit starts it (its ExecStart, Environment, EnvironmentFile, User,
 * UMask), a reload by the unit's ExecReload, an upgrade under a running daemon that keeps the
 * greylist, and a purge that leaves nothing behind. Without systemd as PID 1 here, the unit's
 * sandboxing is checked by systemd-analyze rather than lived under.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageIT {
  static Path deb;
  static String version;
  @TempDir static Path work;

  @BeforeAll
  static void installable() throws Exception {
    Requirements.root("dpkg -i installs into the system");
    Requirements.program("dpkg", "/usr/bin/dpkg");
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      deb =
          s.filter(p -> p.getFileName().toString().matches("greygate_.*_all\\.deb"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("mvn package made no target/greygate_*.deb"));
    }
    version = run("dpkg-deb", "-f", deb.toString(), "Version").out().strip();
    // a run that died half-way may have left it installed
    if (run("dpkg", "-s", "greygate").code() == 0) {
      assertEquals(0, run("dpkg", "--purge", "greygate").code());
    }
  }

  @AfterAll
  static void purge() throws Exception {
    if (Requirements.isRoot() && run("dpkg", "-s", "greygate").code() == 0) {
      run("dpkg", "--purge", "greygate");
    }
  }

  @Test
  @Order(1)
  void lintianReportsNoErrors() throws Exception {
    String lintian = Requirements.program("lintian", "/usr/bin/lintian");
    Result r = run(lintian, "--tag-display-limit", "0", deb.toString());
    List<String> errors = r.out().lines().filter(l -> l.startsWith("E:")).toList();
    assertTrue(errors.isEmpty(), "lintian errors:\n" + r.out());
  }

  @Test
  @Order(2)
  void installsWithUserStateManPagesAndAVerifiedUnit() throws Exception {
    Result install = run("dpkg", "-i", deb.toString());
    assertEquals(0, install.code(), install.out());

    Result v = run("/usr/bin/greygate", "--version");
    assertEquals(0, v.code(), v.out());
    assertTrue(v.out().startsWith("greygate " + version), v.out());

    assertClassArchiveFor(version);

    Result man = run(Requirements.program("man", "/usr/bin/man"), "-w", "greygate");
    assertEquals("/usr/share/man/man1/greygate.1.gz", man.out().strip(), man.out());
    assertTrue(Files.exists(Path.of("/usr/share/man/man1/greygate-serve.1.gz")));
    assertTrue(Files.exists(Path.of("/usr/share/bash-completion/completions/greygate")));

    assertEquals(0, run("getent", "passwd", "greygate").code(), "the system user exists");
    Path state = Path.of("/var/lib/greygate");
    assertEquals("greygate", Files.getOwner(state).getName());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)));

    String conffiles = run("dpkg-query", "--showformat=${Conffiles}", "-W", "greygate").out();
    for (String f :
        List.of(
            "/etc/greygate/greygate.conf",
            "/etc/greygate/whitelist_clients",
            "/etc/greygate/whitelist_clients.local",
            "/etc/greygate/whitelist_recipients",
            "/etc/greygate/whitelist_recipients.local",
            "/etc/default/greygate")) {
      assertTrue(conffiles.contains(f + " "), f + " is a conffile: " + conffiles);
    }

    String analyze = Requirements.program("systemd-analyze", "/usr/bin/systemd-analyze");
    Result verify = run(analyze, "verify", UNIT.toString());
    assertEquals(0, verify.code(), verify.out());
    Result security = run(analyze, "security", "--offline=true", UNIT.toString());
    Matcher m =
        Pattern.compile("exposure level for greygate.service: ([0-9.]+)").matcher(security.out());
    assertTrue(m.find(), security.out());
    double exposure = Double.parseDouble(m.group(1));
    assertTrue(exposure <= 2.5, "exposure " + exposure + ":\n" + security.out());
  }

  static final Path UNIT = Path.of("/lib/systemd/system/greygate.service");
  static final Map<String, String> REQUEST = TestPolicy.rcpt("b@example.net");

  @Test
  @Order(3)
  void runsAsTheUnitDoesReloadsAndStops() throws Exception {
    int port = freePort();
    int metrics = freePort();
    // what an admin does: options in /etc/default/greygate (an upgrade must keep them)
    Files.writeString(
        Path.of("/etc/default/greygate"),
        "GREYGATE_OPTS=\"--inet=127.0.0.1:" + port + " --metrics=127.0.0.1:" + metrics + "\"\n");
    try (Daemon d = Daemon.start(asTheUnitWould())) {
      d.awaitLine("ready", 30);
      try (PolicyClient c = PolicyClient.tcp(port)) {
        assertTrue(c.ask(REQUEST).startsWith("DEFER_IF_PERMIT"), "a new triplet is greylisted");
      }
      String scrape =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://127.0.0.1:" + metrics + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          scrape.contains("greygate_decisions_total{outcome=\"defer\",reason=\"new\"} 1.0"),
          scrape);
      assertEquals(
          "greygate", run("ps", "-o", "user=", "-p", Long.toString(d.pid())).out().strip());
      int mark = d.mark();
      assertEquals(0, reload(d.pid()).code());
      d.awaitLineAfter(mark, "whitelists reloaded", 15);
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
    Result report = run("/usr/bin/greygate", "report", "--dbdir=/var/lib/greygate", "--format=csv");
    assertEquals(0, report.code(), report.out());
    assertTrue(report.out().contains(",greylist,new,1"), report.out());
    assertTrue(Files.exists(Path.of("/var/lib/greygate/data.mdb")));
    String dataMode =
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(Path.of("/var/lib/greygate/data.mdb")));
    assertEquals("rw-------", dataMode);
  }

  @Test
  @Order(4)
  void upgradesUnderARunningDaemonKeepingStateAndSettings() throws Exception {
    Path newer = repackAs(version + "+upgrade1");
    String opts = Files.readString(Path.of("/etc/default/greygate"));
    Matcher inet = Pattern.compile("--inet=127\\.0\\.0\\.1:(\\d+)").matcher(opts);
    assertTrue(inet.find(), opts);
    int port = Integer.parseInt(inet.group(1));
    try (Daemon d = Daemon.start(asTheUnitWould())) {
      d.awaitLine("ready", 30);
      Result upgrade = run("dpkg", "-i", newer.toString());
      assertEquals(0, upgrade.code(), upgrade.out());
      assertFalse(
          Files.exists(Path.of("/usr/share/greygate/greygate-" + version + ".jar")),
          "the old version's jar is gone");
      assertFalse(
          Files.exists(Path.of("/usr/share/greygate/greygate-" + version + ".jsa")),
          "and its class archive");
      assertClassArchiveFor(version + "+upgrade1");
      // the old daemon still runs from the jar it opened: the upgrade did not rewrite it
      try (PolicyClient c = PolicyClient.tcp(port)) {
        String reply = c.ask(REQUEST);
        assertTrue(reply != null && reply.startsWith("DEFER_IF_PERMIT"), reply + d.output());
      } catch (IOException e) {
        throw new AssertionError("no answer after the upgrade; daemon:\n" + d.output(), e);
      }
      int mark = d.mark();
      assertEquals(0, reload(d.pid()).code());
      d.awaitLineAfter(mark, "whitelists reloaded", 15);
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
    assertEquals(
        version + "+upgrade1",
        run("dpkg-query", "--showformat=${Version}", "-W", "greygate").out().strip());
    assertEquals(opts, Files.readString(Path.of("/etc/default/greygate")), "settings kept");
    Result stats = run("/usr/bin/greygate", "db", "stats", "--dbdir=/var/lib/greygate");
    assertEquals(0, stats.code(), stats.out());
    assertTrue(stats.out().contains("triplets: 1"), "the greylist survived: " + stats.out());
    try (Daemon d = Daemon.start(asTheUnitWould())) {
      d.awaitLine("ready", 30);
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
    }
  }

  @Test
  @Order(5)
  void purgeRemovesItCleanly() throws Exception {
    Result purge = run("dpkg", "--purge", "greygate");
    assertEquals(0, purge.code(), purge.out());
    assertTrue(run("dpkg", "-s", "greygate").code() != 0, "not installed any more");
    for (String gone :
        List.of(
            "/usr/bin/greygate",
            "/usr/share/greygate",
            "/etc/greygate",
            "/etc/default/greygate",
            "/var/lib/greygate",
            UNIT.toString(),
            "/etc/systemd/system/multi-user.target.wants/greygate.service",
            "/usr/share/man/man1/greygate.1.gz",
            "/usr/share/doc/greygate")) {
      assertFalse(Files.exists(Path.of(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone);
    }
  }

  /**
   * postinst wrote the class archive for the installed jar: root's, readable by the daemon's user,
   * writable by nobody else (the launcher maps nothing else), and a start uses it.
   */
  static void assertClassArchiveFor(String version) throws Exception {
    Path archive = Path.of("/usr/share/greygate/greygate-" + version + ".jsa");
    assertTrue(Files.isRegularFile(archive), archive + " written at install");
    assertEquals("root", Files.getOwner(archive).getName());
    assertEquals(
        "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)));
    Result used =
        run("env", "GREYGATE_JAVA_OPTS=-Xlog:class+load", "/usr/bin/greygate", "--version");
    assertEquals(0, used.code(), used.out());
    assertTrue(
        used.out().contains("org.greygate.Main source: shared objects file (top)"),
        "the launcher maps the archive: "
            + used.out().lines().filter(l -> l.contains("org.greygate.Main")).toList());
  }

  /**
   * The unit's ExecStart as systemd would run it: its Environment= and EnvironmentFile= values,
   * $VAR split into words, as User=/Group=, with its UMask=.
   */
  static ProcessBuilder asTheUnitWould() throws IOException {
    Map<String, String> unit = new LinkedHashMap<>();
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(UNIT)) {
      int eq = line.indexOf('=');
      if (line.startsWith("#") || eq < 0) {
        continue;
      }
      String key = line.substring(0, eq);
      String value = line.substring(eq + 1);
      if (key.equals("Environment")) {
        int e = value.indexOf('=');
        env.put(value.substring(0, e), value.substring(e + 1));
      } else if (key.equals("EnvironmentFile")) {
        Path f = Path.of(value.startsWith("-") ? value.substring(1) : value);
        if (Files.exists(f)) {
          for (String l : Files.readAllLines(f)) {
            Matcher m = Pattern.compile("^([A-Z_]+)=\"?(.*?)\"?$").matcher(l);
            if (!l.startsWith("#") && m.matches()) {
              env.put(m.group(1), m.group(2));
            }
          }
        }
      } else {
        unit.put(key, value);
      }
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=" + unit.get("User"),
                "--regid=" + unit.get("Group"),
                "--init-groups",
                "sh",
                "-c",
                "umask " + unit.get("UMask") + " && exec \"$@\"",
                "sh"));
    for (String word : unit.get("ExecStart").split(" +")) {
      if (word.startsWith("$")) {
        String v = env.getOrDefault(word.substring(1), "");
        cmd.addAll(v.isBlank() ? List.of() : List.of(v.strip().split("\\s+")));
      } else {
        cmd.add(word);
      }
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    pb.environment().putAll(env);
    return pb;
  }

  /** The unit's ExecReload with $MAINPID. */
  static Result reload(long pid) throws Exception {
    String line =
        Files.readAllLines(UNIT).stream()
            .filter(l -> l.startsWith("ExecReload="))
            .findFirst()
            .orElseThrow();
    String[] words =
        line.substring("ExecReload=".length()).replace("$MAINPID", "" + pid).split(" ");
    return run(words);
  }

  /** The same package under a newer version (and so a differently named jar), as an upgrade. */
  static Path repackAs(String newVersion) throws Exception {
    Path tree = work.resolve("tree");
    assertEquals(0, run("dpkg-deb", "-R", deb.toString(), tree.toString()).code());
    Path control = tree.resolve("DEBIAN/control");
    Files.writeString(
        control,
        Files.readString(control).replace("Version: " + version, "Version: " + newVersion));
    Files.delete(tree.resolve("DEBIAN/md5sums"));
    Path share = tree.resolve("usr/share/greygate");
    Files.move(
        share.resolve("greygate-" + version + ".jar"),
        share.resolve("greygate-" + newVersion + ".jar"));
    Path launcher = tree.resolve("usr/bin/greygate");
    Files.writeString(
        launcher,
        Files.readString(launcher)
            .replace("greygate-" + version + ".jar", "greygate-" + newVersion + ".jar"));
    Path out = work.resolve("greygate_" + newVersion + "_all.deb");
    Result b = run("dpkg-deb", "--root-owner-group", "-b", tree.toString(), out.toString());
    assertEquals(0, b.code(), b.out());
    return out;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  record Result(int code, String out) {}

  static Result run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    return new Result(p.exitValue(), out);
  }
}
