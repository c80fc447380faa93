package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Daemon;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user who may not read the database (an admin without sudo, trying {@code greygate db stats} on
 * the daemon's 0700 directory) is told so in words, by every command, with exit 1: not "no
 * database", and {@code check} does not answer as if the database were empty. Run as {@code nobody}
 * through the launcher, as such a user would; root reads everything.
 */
class DbdirAccessIT {
  @TempDir Path base;
  Path run;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.root("a second user (nobody) is needed, and only root can become it");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    run = Files.createDirectories(base.resolve("run"));
    sh("chown", "nobody", run.toString());
  }

  /** A database of root's, made as the daemon would; the directory's mode as given. */
  Path rootsDatabase(String name, String mode) throws Exception {
    Path db = base.resolve(name);
    try (LmdbStore store = LmdbStore.open(db)) {
      store.flush();
    }
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString(mode));
    return db;
  }

  record Run(int code, String out, String err) {}

  Run asNobody(List<String> command, Path dbdir) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bin/greygate"));
    List<String> args = new ArrayList<>(command);
    int at = command.get(0).equals("db") || command.get(0).equals("limits") ? 2 : 1;
    args.add(at, "--dbdir=" + dbdir);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("GREYGATE_JAR", Daemon.jar().toAbsolutePath().toString());
    pb.environment().put("XDG_RUNTIME_DIR", run.toString());
    pb.environment().put("TMPDIR", run.toString());
    pb.environment().remove("GREYGATE_NATIVE_DIR");
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path errFile = base.resolve("stderr");
    pb.redirectError(errFile.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish: " + out);
    return new Run(p.exitValue(), out, Files.readString(errFile));
  }

  void allRefuse(Path db, String expected) throws Exception {
    for (List<String> c : DbdirErrorsTest.COMMANDS) {
      Run r = asNobody(c, db);
      String what = String.join(" ", c);
      assertEquals(1, r.code(), what + ": " + r.err() + r.out());
      assertFalse(r.err().contains("Exception"), what + ": " + r.err());
      assertEquals(1, r.err().lines().count(), what + ": one line, got: " + r.err());
      assertEquals("greygate: " + expected, r.err().strip(), what);
      assertEquals("", r.out(), what + " answered anyway");
    }
  }

  @Test
  void aDirectoryTheUserMayNotEnterIsPermissionDenied() throws Exception {
    Path db = rootsDatabase("closed", "rwx------");
    allRefuse(
        db, "--dbdir " + db + ": permission denied (running as nobody; the directory is root's)");
  }

  @Test
  void aDatabaseFileTheUserMayNotReadIsPermissionDenied() throws Exception {
    Path db = rootsDatabase("open", "rwxr-xr-x");
    allRefuse(db, "--dbdir " + db + ": permission denied (running as nobody; data.mdb is root's)");
  }

  static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }
}
