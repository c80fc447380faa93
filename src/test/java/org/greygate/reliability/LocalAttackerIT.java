package org.greygate.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Daemon;
import org.greygate.testing.RedisServer;
import org.greygate.testing.Requirements;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local attacker who is the daemon's user (or took over the daemon) owns the database directory
 * and may plant links and files in it, or in any directory root writes a report to. Root's tools,
 * run as an admin runs them (the launcher, as root), must never follow, truncate or chmod what was
 * planted; files greygate creates are the owner's alone whatever the umask, and a password is never
 * written down. The attacker here is {@code nobody}.
 */
class LocalAttackerIT {
  static final String NOBODY = "nobody";
  static final String NOGROUP = "nogroup";
  static final String VICTIM_TEXT = "root's own file\n";

  @TempDir Path base;
  Path victim;
  Path db;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.root("the attacks are on root's tools: they need root and a second user");
    // the attacker must be able to reach the directories it attacks
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    victim = base.resolve("victim");
    Files.writeString(victim, VICTIM_TEXT);
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
    db = base.resolve("db");
  }

  /**
   * A database with one row and one rate-limit counter (someone@example.org's), as the daemon
   * (nobody) would have left it.
   */
  void nobodysDatabase() throws Exception {
    try (LmdbStore store = LmdbStore.open(db)) {
      Rows.put(store, "1.2.3.4/a@b.example/c@d.example", new TripletEntry(1_000_000, 1_000_000));
      long now = java.time.Instant.now().getEpochSecond();
      store
          .addToWindow("rate/cap/someone@example.org", now, 3600, 1, Long.MAX_VALUE)
          .toCompletableFuture()
          .join();
      store.flush();
    }
    sh("chown", "-hR", NOBODY + ":" + NOGROUP, db.toString());
  }

  /** What nobody does: a symbolic link of its own at {@code at}, pointing at root's file. */
  void plant(Path at) throws Exception {
    Files.deleteIfExists(at);
    Files.createSymbolicLink(at, victim);
    sh("chown", "-h", NOBODY + ":" + NOGROUP, at.toString());
  }

  void assertVictimUntouched() throws IOException {
    assertEquals(VICTIM_TEXT, Files.readString(victim), "root's file was written through a link");
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)),
        "root's file was chmod-ed through a link");
    assertEquals("root", Files.getOwner(victim).getName());
  }

  record Run(int code, String output) {}

  /** The launcher, as an admin runs it ({@code bin/greygate ARGS}, as root). */
  ProcessBuilder launcher(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bin/greygate"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Path tmp = Files.createDirectories(base.resolve("tmp"));
    Map<String, String> env = pb.environment();
    env.put("GREYGATE_JAR", Daemon.jar().toAbsolutePath().toString());
    env.put("TMPDIR", tmp.toString());
    env.put("XDG_RUNTIME_DIR", Files.createDirectories(base.resolve("run")).toString());
    env.remove("GREYGATE_NATIVE_DIR");
    return pb;
  }

  Run run(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish: " + out);
    return new Run(p.exitValue(), out);
  }

  static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  @Test
  void rootsReportNeverWritesThroughAPlantedLockFile() throws Exception {
    nobodysDatabase();
    plant(db.resolve("lock.mdb"));

    Run r = run(launcher("report", "--dbdir=" + db));
    assertVictimUntouched();
    assertNotEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("lock.mdb is a symbolic link"), r.output());

    // java -jar as root, without the launcher that switches user: refused, with the way out
    Daemon direct = Daemon.launch("report", "--dbdir=" + db);
    assertNotEquals(0, direct.waitFor(60));
    assertVictimUntouched();
    assertTrue(
        direct.output().contains(db + " belongs to nobody: run this as nobody"), direct.output());
  }

  @Test
  void rootsReportWorksAsTheDirectorysOwner() throws Exception {
    nobodysDatabase();
    Run r = run(launcher("db", "dump", "--dbdir=" + db));
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("1.2.3.4/a@b.example/c@d.example"), r.output());
    // nothing root-owned was left behind for the daemon to trip over
    try (Stream<Path> files = Files.list(db)) {
      for (Path f : files.toList()) {
        assertEquals(NOBODY, Files.getOwner(f, LinkOption.NOFOLLOW_LINKS).getName(), f.toString());
      }
    }
  }

  @Test
  void rootsLimitsResetNeverChmodsThroughAPlantedLock() throws Exception {
    nobodysDatabase();
    plant(db.resolve("greygate.lock"));
    Run r = run(launcher("limits", "reset", "someone@example.org", "--dbdir=" + db));
    assertVictimUntouched();
    assertNotEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("greygate.lock is a symbolic link"), r.output());
  }

  @Test
  void aResetHandedToTheDaemonNeverWritesAtAGuessableName() throws Exception {
    nobodysDatabase();
    ProcessBuilder serve =
        launcher(
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + db,
            "--user=" + NOBODY,
            "--group=" + NOGROUP,
            "--stats-interval=0");
    try (Daemon daemon = Daemon.start(serve)) {
      daemon.awaitLine("ready", 30);
      // the moment root's command starts, its process id is known: plant the old temp name
      Process reset = launcher("limits", "reset", "someone@example.org", "--dbdir=" + db).start();
      plant(db.resolve(".limits-reset-" + reset.pid() + ".tmp"));
      String out = new String(reset.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(reset.waitFor(60, TimeUnit.SECONDS), out);
      assertVictimUntouched();
      assertEquals(0, reset.exitValue(), out);
      assertTrue(out.contains("done by the running daemon"), out);
    }
  }

  @Test
  void aReportIntoADirectoryOthersWriteNeverFollowsTheirLink() throws Exception {
    try (LmdbStore store = LmdbStore.open(db)) {
      store.flush();
    }
    Path www = base.resolve("www");
    Files.createDirectory(www);
    sh("chown", NOBODY + ":" + NOGROUP, www.toString());
    plant(www.resolve(".report.html.tmp"));
    Run r = run(launcher("report", "--dbdir=" + db, "--html=" + www.resolve("report.html")));
    assertEquals(0, r.code(), r.output());
    assertVictimUntouched();
    Path html = www.resolve("report.html");
    assertFalse(Files.isSymbolicLink(html));
    assertTrue(Files.readString(html).contains("<html"), "the report was written");
  }

  @Test
  void filesAreTheOwnersAloneWhateverTheUmask() throws Exception {
    Path fresh = base.resolve("new").resolve("db");
    Run r =
        run(
            umask000(
                "serve",
                "--start-only",
                "--inet=127.0.0.1:0",
                "--dbdir=" + fresh,
                "--stats-interval=0"));
    assertEquals(0, r.code(), r.output());
    assertMode("rwx------", fresh);
    for (String f : List.of("data.mdb", "lock.mdb", "greygate.lock", "serve.options")) {
      assertMode("rw-------", fresh.resolve(f));
    }
  }

  @Test
  void aRedisPasswordIsNeverWrittenDown() throws Exception {
    String password = "s3cret-Pa55word";
    try (RedisServer redis = RedisServer.launch("--requirepass", password)) {
      Path dir = base.resolve("redis-db");
      Run r =
          run(
              umask000(
                  "serve",
                  "--start-only",
                  "--inet=127.0.0.1:0",
                  "--dbdir=" + dir,
                  "--stats-interval=0",
                  "--store=redis://:" + password + "@127.0.0.1:" + redis.port));
      assertEquals(0, r.code(), r.output());
      assertFalse(r.output().contains(password), "the log names the password: " + r.output());
      assertMode("rwx------", dir);
      Path recorded = dir.resolve("serve.options");
      assertMode("rw-------", recorded);
      String options = Files.readString(recorded);
      assertFalse(options.contains(password), options);
      assertTrue(options.contains("--store=redis://:(not-recorded)@127.0.0.1:"), options);
    }
  }

  @Test
  void aPlantedNativeDirectoryCannotStopRootsCommands() throws Exception {
    try (LmdbStore store = LmdbStore.open(db)) {
      store.flush();
    }
    // another user got to the predictable name first
    Path planted = Files.createDirectories(base.resolve("run").resolve("greygate-native-0"));
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    sh("chown", NOBODY + ":" + NOGROUP, planted.toString());

    Run r = run(launcher("db", "stats", "--dbdir=" + db));
    assertEquals(0, r.code(), r.output());
    assertTrue(r.output().contains("using "), r.output());
    try (Stream<Path> left = Files.list(planted)) {
      assertEquals(0, left.count(), "nothing was loaded from the planted directory");
    }
    try (Stream<Path> left = Files.list(base.resolve("tmp"))) {
      assertEquals(List.of(), left.toList(), "the fresh directory is removed at the end");
    }
  }

  /** The launcher under {@code umask 000}, the worst an admin's shell could have. */
  ProcessBuilder umask000(String... args) throws IOException {
    ProcessBuilder pb = launcher(args);
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "umask 000; exec \"$@\"", "bash"));
    cmd.addAll(pb.command());
    return pb.command(cmd);
  }

  static void assertMode(String mode, Path p) throws IOException {
    assertEquals(
        mode,
        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)),
        p.toString());
  }
}
