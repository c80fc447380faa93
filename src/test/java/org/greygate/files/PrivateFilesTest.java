package org.greygate.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {
  @TempDir Path dir;

  /**
   * A request file the daemon reads (a release, a limits reset) planted as a fifo: refused at once,
   * where opening it would wait for a writer for ever and stall the thread that applies requests.
   */
  @Test
  void aFifoIsRefusedWithoutBeingOpened() throws Exception {
    Path fifo = dir.resolve("release-x.request");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, mk.waitFor());
    UnsafeFileException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5),
            () -> assertThrows(UnsafeFileException.class, () -> PrivateFiles.readSmall(fifo, 64)));
    assertTrue(e.getMessage().contains("a fifo, not a regular file"), e.getMessage());
  }

  @Test
  void aSmallFileIsReadAndALinkOrALargeFileRefused() throws Exception {
    Path f = dir.resolve("f");
    Files.writeString(f, "all=true\n");
    assertArrayEquals("all=true\n".getBytes(StandardCharsets.UTF_8), PrivateFiles.readSmall(f, 64));
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, f);
    assertTrue(
        assertThrows(UnsafeFileException.class, () -> PrivateFiles.readSmall(link, 64))
            .getMessage()
            .contains("symbolic link"));
    assertTrue(
        assertThrows(UnsafeFileException.class, () -> PrivateFiles.readSmall(f, 4))
            .getMessage()
            .contains("larger than 4 bytes"));
  }
}
