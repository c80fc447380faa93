package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code greygate bench} counts fail-open answers apart: a daemon whose disk is full answers DUNNO
 * (the default fail-open action) to new triplets, the same word a passed triplet gets; the bench
 * reads the daemon's {@code greygate_fail_open_total} and reports them. A real tmpfs of 1 MiB holds
 * the database (not 2: first sightings are appended to the journal, forty-odd to a page, and four
 * seconds of them no longer filled 2 MiB), so the test needs root.
 */
class BenchFailOpenIT {
  Path mount;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    Requirements.program("mount", "/usr/bin/mount", "/bin/mount");
    Requirements.root("mounting a small tmpfs needs root");
    mount = Files.createTempDirectory("greygate-bench-full");
    sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString());
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      sh("umount", mount.toString());
      Files.deleteIfExists(mount);
    }
  }

  static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }

  /** {@code greygate serve ARGS} with a write backlog of {@code backlog}; ready. */
  static Daemon serve(int backlog, String... args) throws Exception {
    return Daemon.serveWith(List.of("-D" + LmdbStore.WRITE_BACKLOG_PROPERTY + "=" + backlog), args);
  }

  /** The value of {@code field=} in the bench's result line. */
  static String field(String out, String field) {
    Matcher m = Pattern.compile("\\b" + field + "=([^ ]+)").matcher(out);
    assertTrue(m.find(), "no " + field + " in: " + out);
    return m.group(1);
  }

  @Test
  void failOpenAnswersOfAFullDiskAreCountedApart() throws Exception {
    try (Daemon d =
        serve(
            500,
            "--inet=127.0.0.1:0",
            "--dbdir=" + mount.resolve("db"),
            "--metrics=127.0.0.1:0",
            "--delay=1")) {
      int port = d.port();
      int metrics = d.metricsPort();
      Cli cli = new Cli();
      int code =
          cli.run(
              "bench",
              "--target=127.0.0.1:" + port,
              "--metrics=" + metrics,
              "--profile=new",
              "--connections=4",
              "--duration=4",
              "--warmup=0.5",
              "--tail=2");
      String out = cli.out.toString();
      assertEquals(0, code, out + cli.err);
      long requests = Long.parseLong(field(out, "requests"));
      long failOpen = Long.parseLong(field(out, "fail_open"));
      // every fail-open answer was DUNNO: counted among the answers, told apart only by the daemon
      String dunno = field(out, "DUNNO").replaceAll("[^0-9]", "");
      assertTrue(failOpen > 0, "the full disk's fail-open answers are counted: " + out);
      assertTrue(failOpen <= requests, out);
      assertTrue(
          Long.parseLong(dunno) >= failOpen - 4 * 2, "fail-open answers are the DUNNOs: " + out);
      assertTrue(
          out.contains("answers " + requests + ", of which fail-open " + failOpen + " ("), out);
      assertTrue(Long.parseLong(field(out, "tail_rps")) > 0, out);
    }
  }
}
