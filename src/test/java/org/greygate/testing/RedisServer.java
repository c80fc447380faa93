package org.greygate.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} of the test's own: a free loopback port, a temp dir, no persistence
 * unless asked, optionally a password. {@link #kill} and {@link #start} again simulate an outage.
 */
public final class RedisServer implements AutoCloseable {
  public final int port;
  public final Path dir;
  private final String program;
  private final List<String> extra;
  private Process process;

  private RedisServer(int port, List<String> extra) throws IOException {
    this.program = Requirements.program("redis-server", "/usr/bin/redis-server");
    this.port = port;
    this.extra = extra;
    this.dir = Files.createTempDirectory("greygate-redis");
  }

  /** Starts a server; {@code args} are redis-server options ({@code --requirepass}, ...). */
  public static RedisServer launch(String... args) throws Exception {
    RedisServer r = new RedisServer(freePort(), List.of(args));
    r.start();
    return r;
  }

  /** Starts a server on {@code port} (a cluster node, whose bus port must be free too). */
  public static RedisServer launchOn(int port, String... args) throws Exception {
    RedisServer r = new RedisServer(port, List.of(args));
    r.start();
    return r;
  }

  /** Whether the server's process runs (not {@link #kill}ed). */
  public boolean running() {
    return process != null && process.isAlive();
  }

  /** (Re)starts on the same port and dir (after {@link #kill}). */
  public void start() throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                program,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                dir.toString(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                "--loglevel",
                "warning"));
    cmd.addAll(extra);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (!process.isAlive()) break;
        Thread.sleep(20);
      }
    }
    throw new AssertionError("redis-server did not start:\n" + log());
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** SIGKILL: the server is gone at once, connections reset. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGSTOP: the server holds its connections but answers nothing, until {@link #resume}. */
  public void pause() throws Exception {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() throws Exception {
    signal("-CONT");
  }

  private void signal(String which) throws Exception {
    Process k = new ProcessBuilder("kill", which, Long.toString(process.pid())).start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new AssertionError("kill " + which + " " + process.pid() + " failed");
    }
  }

  /** Sends one command (RESP) and returns the first line of the reply, e.g. {@code :1}. */
  public String command(String... args) throws IOException {
    return send(false, args);
  }

  /** Sends one command whose reply is a bulk string (CLIENT LIST, INFO) and returns its text. */
  public String text(String... args) throws IOException {
    return send(true, args);
  }

  private String send(boolean bulk, String... args) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(15_000);
      StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
        b.append(a).append("\r\n");
      }
      s.getOutputStream().write(b.toString().getBytes(StandardCharsets.UTF_8));
      java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
      String first = line(in);
      if (!bulk) return first;
      if (!first.startsWith("$")) throw new IOException("not a bulk reply: " + first);
      byte[] body = new byte[Integer.parseInt(first.substring(1))];
      in.readFully(body);
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private static String line(java.io.DataInputStream in) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) throw new IOException("connection closed in a reply");
      if (c != '\r') out.write(c);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Waits until {@code n} replicas have acknowledged everything written so far. */
  public void awaitReplicas(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String got = "";
    while (System.nanoTime() < deadline) {
      got = command("WAIT", Integer.toString(n), "1000");
      if (got.equals(":" + n)) return;
      Thread.sleep(100);
    }
    throw new AssertionError("replicas did not catch up (WAIT said " + got + "):\n" + log());
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("redis.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() throws Exception {
    kill();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A loopback port nothing listens on now. */
  public static int freePortForTests() throws IOException {
    return freePort();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
