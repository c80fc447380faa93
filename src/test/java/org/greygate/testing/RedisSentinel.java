package org.greygate.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-sentinel} of the test's own, watching one master as {@code mymaster} with a
 * quorum of one and a one-second down-after, so a failover takes a few seconds.
 */
public final class RedisSentinel implements AutoCloseable {
  public final int port;
  private final Path dir;
  private final Process process;

  private RedisSentinel(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  public static RedisSentinel watch(RedisServer master) throws Exception {
    String program = Requirements.program("redis-sentinel", "/usr/bin/redis-sentinel");
    int port = RedisServer.freePort();
    Path dir = Files.createTempDirectory("greygate-sentinel");
    Path conf = dir.resolve("sentinel.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "dir " + dir,
            "sentinel monitor mymaster 127.0.0.1 " + master.port + " 1",
            "sentinel down-after-milliseconds mymaster 1000",
            "sentinel failover-timeout mymaster 10000",
            "sentinel parallel-syncs mymaster 1",
            ""),
        StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(program, conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sentinel.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return new RedisSentinel(port, dir, p);
      } catch (IOException e) {
        if (!p.isAlive()) break;
        Thread.sleep(20);
      }
    }
    p.destroyForcibly();
    throw new AssertionError(
        "redis-sentinel did not start:\n" + Files.readString(dir.resolve("sentinel.log")));
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("sentinel.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
