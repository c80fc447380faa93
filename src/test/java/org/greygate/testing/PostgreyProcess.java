package org.greygate.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/**
 * Debian's postgrey run as a real process on a free loopback port, its database in {@code work}.
 */
public final class PostgreyProcess implements AutoCloseable {
  public final int port;
  public final Path dbdir;
  private final Process process;

  private PostgreyProcess(int port, Path dbdir, Process process) {
    this.port = port;
    this.dbdir = dbdir;
    this.process = process;
  }

  /** Starts postgrey with empty-or-given whitelists and extra options; waits until it listens. */
  public static PostgreyProcess start(Path work, Path clients, Path recipients, String... options)
      throws Exception {
    String bin = Requirements.program("postgrey", "/usr/sbin/postgrey");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path db = work.resolve("postgrey-db");
    Files.createDirectories(db);
    boolean root = Requirements.isRoot();
    String user = root ? "postgrey" : System.getProperty("user.name");
    if (root) {
      new ProcessBuilder("chown", "postgrey", db.toString()).inheritIO().start().waitFor();
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                bin,
                "--inet=127.0.0.1:" + port,
                "--dbdir=" + db,
                "--user=" + user,
                "--group=" + (root ? "nogroup" : user),
                "--whitelist-clients=" + clients,
                "--whitelist-recipients=" + recipients));
    cmd.addAll(List.of(options));
    Path log = work.resolve("postgrey.log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (PolicyClient c = PolicyClient.tcp(port)) {
        return new PostgreyProcess(port, db, p);
      } catch (IOException e) {
        if (!p.isAlive()) break;
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    Assertions.fail("postgrey did not start: " + Files.readString(log));
    return null;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
