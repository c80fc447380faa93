package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/greygate loads LMDB's native library only from a directory that is the user's alone. */
class LauncherIT {
  @TempDir Path dir;

  static Path jar() {
    return Path.of(System.getProperty("greygate.jar", "target/greygate.jar"));
  }

  record Run(int code, String output) {}

  Run launch(Path nativeDir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bin/greygate", "--version").redirectErrorStream(true);
    pb.environment().put("GREYGATE_JAR", jar().toAbsolutePath().toString());
    pb.environment().put("GREYGATE_NATIVE_DIR", nativeDir.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  @Test
  void aPlantedOrOpenDirectoryIsRefusedAndAFreshOneIsMadePrivate() throws Exception {
    Path planted = dir.resolve("planted");
    Files.createDirectory(planted);
    Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
    Run refused = launch(planted);
    assertEquals(1, refused.code(), refused.output());
    assertTrue(refused.output().contains("refusing " + planted), refused.output());

    Path link = dir.resolve("link");
    Path mine = dir.resolve("mine");
    Files.createDirectory(mine);
    Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
    Files.createSymbolicLink(link, mine);
    assertEquals(1, launch(link).code(), "a symbolic link is refused");

    Path fresh = dir.resolve("fresh");
    Run ok = launch(fresh);
    assertEquals(0, ok.code(), ok.output());
    assertTrue(ok.output().startsWith("greygate "), ok.output());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
    assertEquals(0, launch(fresh).code(), "its own private directory is used again");
    // one an earlier launcher made 0755 is ours and unwritable by others: tightened, used
    Path older = dir.resolve("older");
    Files.createDirectory(older);
    Files.setPosixFilePermissions(older, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(0, launch(older).code());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(older)));
  }

  @Test
  void startedAsRootWithUserItRunsAsThatUserAndJavaAloneRefuses() throws Exception {
    org.greygate.testing.Requirements.root("switching user needs root");
    Path db = dir.resolve("db");
    java.nio.file.attribute.UserPrincipal nobody =
        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    Files.setOwner(dir, nobody);
    ProcessBuilder pb =
        new ProcessBuilder(
            "bin/greygate",
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + db,
            "--user=nobody",
            "--group=nogroup");
    pb.environment().put("GREYGATE_JAR", jar().toAbsolutePath().toString());
    try (org.greygate.testing.Daemon d = org.greygate.testing.Daemon.start(pb)) {
      d.awaitLine("ready", 30);
      Process ps = new ProcessBuilder("ps", "-o", "user=,group=", "-p", "" + d.pid()).start();
      String who = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals("nobody nogroup", who.strip().replaceAll("\\s+", " "));
      assertEquals("nobody", Files.getOwner(db).getName(), "the database is the user's");
      assertTrue(!d.output().contains("running as root"), d.output());
    }
    // the same options through java -jar, which cannot switch: refused, not run as root
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar().toString(),
                "serve",
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("other"),
                "--user=nobody")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.waitFor(), out);
    assertTrue(out.contains("asked to run as --user nobody but running as root"), out);
  }

  /**
   * A database directory a run as root left (README's first command used to make /var/lib/greygate
   * that way) is taken over for --user, as the unit's StateDirectory= does; another user's
   * directory is refused, not handed over.
   */
  @Test
  void startedAsRootWithUserItTakesOverTheDatabaseARootRunLeft() throws Exception {
    org.greygate.testing.Requirements.root("switching user needs root");
    java.nio.file.attribute.UserPrincipalLookupService users =
        dir.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(dir, users.lookupPrincipalByName("nobody"));
    Path db = dir.resolve("db");
    Path seed = dir.resolve("seed.dump");
    java.time.Instant t =
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Files.writeString(
        seed,
        "# greygate dump 1\ntriplet 192.0.2/a@example.org/b@example.net "
            + t.minusSeconds(7200)
            + " "
            + t.minusSeconds(3600)
            + "\n");
    Run load =
        greygate(
            java.util.Map.of("GREYGATE_NATIVE_DIR", dir.resolve("native-root").toString()),
            "db",
            "load",
            "--dbdir=" + db,
            seed.toString());
    assertEquals(0, load.code(), load.output());
    assertEquals("root", Files.getOwner(db.resolve("data.mdb")).getName());

    ProcessBuilder pb =
        new ProcessBuilder(
            "bin/greygate",
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + db,
            "--user=nobody",
            "--group=nogroup");
    pb.environment().put("GREYGATE_JAR", jar().toAbsolutePath().toString());
    try (org.greygate.testing.Daemon d = org.greygate.testing.Daemon.start(pb)) {
      d.awaitLine("ready", 30);
      assertTrue(d.output().contains("took over " + db), d.output());
      assertTrue(d.output().contains("1 triplets"), d.output());
      try (java.util.stream.Stream<Path> files = Files.walk(db)) {
        for (Path f : files.toList()) {
          assertEquals("nobody", Files.getOwner(f).getName(), f.toString());
        }
      }
    }

    Path others = dir.resolve("others");
    Files.createDirectory(others);
    Files.setOwner(others, users.lookupPrincipalByName("daemon"));
    Run refused =
        greygate(
            java.util.Map.of(),
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + others,
            "--user=nobody");
    assertEquals(1, refused.code(), refused.output());
    assertTrue(
        refused.output().contains(others + " belongs to daemon, not to root or nobody"),
        refused.output());
    assertEquals("daemon", Files.getOwner(others).getName());
  }

  Run greygate(java.util.Map<String, String> env, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bin/greygate"));
    cmd.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("GREYGATE_JAR", jar().toAbsolutePath().toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  @Test
  void anUnknownUserIsNamed() throws Exception {
    org.greygate.testing.Requirements.root("switching user needs root");
    ProcessBuilder pb =
        new ProcessBuilder("bin/greygate", "serve", "--user", "no-such-user-here")
            .redirectErrorStream(true);
    pb.environment().put("GREYGATE_JAR", jar().toAbsolutePath().toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.waitFor(), out);
    assertTrue(out.contains("--user no-such-user-here: no such user"), out);
  }

  @Test
  void aRebuildUnderARunningDaemonDoesNotPullItsJarAway() throws Exception {
    // a source tree of its own (this JVM runs from target/greygate.jar): launcher, pom, jar
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("bin"));
    Files.createDirectories(tree.resolve("src/main"));
    Files.createDirectories(tree.resolve("target"));
    for (String f : new String[] {"bin/greygate", "bin/greygate-jvm"}) {
      Files.copy(Path.of(f), tree.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    }
    Files.writeString(tree.resolve("pom.xml"), "<project/>");
    Files.setLastModifiedTime(
        tree.resolve("pom.xml"), java.nio.file.attribute.FileTime.fromMillis(0));
    Files.setLastModifiedTime(
        tree.resolve("src/main"), java.nio.file.attribute.FileTime.fromMillis(0));
    Path built = tree.resolve("target/greygate.jar");
    Files.copy(jar(), built);
    ProcessBuilder pb =
        new ProcessBuilder(
            tree.resolve("bin/greygate").toString(),
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + dir.resolve("db"));
    pb.environment().remove("GREYGATE_JAR");
    pb.environment().put("GREYGATE_NATIVE_DIR", dir.resolve("native").toString());
    try (org.greygate.testing.Daemon d = org.greygate.testing.Daemon.start(pb)) {
      d.awaitLine("ready", 30);
      // what the next `mvn package` does to the build output: rewritten in place
      Files.write(built, new byte[(int) Files.size(built)]);
      int port = d.port();
      // a daemon whose jar was pulled away never answers: bounded
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          java.time.Duration.ofSeconds(20),
          () -> {
            try (org.greygate.testing.PolicyClient c =
                org.greygate.testing.PolicyClient.tcp(port)) {
              assertTrue(
                  c.ask(org.greygate.testing.TestPolicy.rcpt("b@example.net"))
                      .startsWith("DEFER_IF_PERMIT"));
            }
          },
          d::output);
      d.signal("TERM");
      assertEquals(143, d.waitFor(20), d.output());
      assertTrue(!d.output().contains("NoClassDefFoundError"), d.output());
    }
  }

  /** bin/greygate-jvm JAR ARGS with class loading logged, in this test's directory. */
  Run jvm(Path jar, String... args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add("bin/greygate-jvm");
    cmd.add(jar.toString());
    cmd.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("GREYGATE_NATIVE_DIR", dir.resolve("native").toString());
    pb.environment().put("GREYGATE_JAVA_OPTS", "-Xlog:class+load");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  static final String FROM_ARCHIVE = "org.greygate.Main source: shared objects file (top)";

  @Test
  void aClassArchiveIsWrittenUsedOnlyWhenSafeAndIgnoredQuietlyWhenStale() throws Exception {
    Path jar = dir.resolve("greygate.jar");
    Files.copy(jar(), jar);
    assertTrue(!jvm(jar, "--version").output().contains(FROM_ARCHIVE), "none yet");

    Run write = jvm(jar, "--write-class-archive");
    assertEquals(0, write.code(), write.output());
    Path archive = dir.resolve("greygate.jsa");
    assertEquals(
        "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)));
    Run used = jvm(jar, "--version");
    assertEquals(0, used.code(), used.output());
    assertTrue(used.output().contains(FROM_ARCHIVE), "mapped from the archive");

    // code the JVM maps: not one that others could have written
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertTrue(!jvm(jar, "--version").output().contains(FROM_ARCHIVE), "a writable one is unused");
    Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));

    // a new jar under the old archive (an upgrade without postinst, a rebuild): ignored, quietly
    Files.setLastModifiedTime(
        jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    ProcessBuilder pb = new ProcessBuilder("bin/greygate-jvm", jar.toString(), "--version");
    pb.environment().put("GREYGATE_NATIVE_DIR", dir.resolve("native").toString());
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertEquals("greygate ", out.substring(0, "greygate ".length()), out);
    assertEquals(1, out.lines().count(), "nothing but the version: " + out);
  }
}
