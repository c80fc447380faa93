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
}
