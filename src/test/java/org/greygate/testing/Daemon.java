package org.greygate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The packaged daemon ({@code target/greygate.jar}) run as a real process, as systemd would. */
public final class Daemon implements AutoCloseable {
  private static final Pattern LISTEN = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");

  private final Process process;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  private Daemon(Process process) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "daemon-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * The fail-open answer of daemons in tests whose decisions include DUNNO: the default fail-open
   * answer is DUNNO too, so a store that fails (or a decision that misses its deadline) would pass
   * for a triplet found, a whitelist or an auto-whitelisted client. Given with {@link
   * #FAIL_OPEN_OPTION}.
   */
  public static final String FAIL_OPEN = "WARN greygate failed open";

  /** {@code --store-failure-action=}{@link #FAIL_OPEN}. */
  public static final String FAIL_OPEN_OPTION = "--store-failure-action=" + FAIL_OPEN;

  public static Path jar() {
    String p = System.getProperty("greygate.jar", "target/greygate.jar");
    return Path.of(p);
  }

  /** Starts {@code greygate ARGS...}; does not wait. */
  public static Daemon launch(String... args) throws IOException {
    return launchWith(List.of(), args);
  }

  /**
   * Starts {@code greygate ARGS...} in a JVM also given {@code jvmOptions} (a test's {@code
   * -DNAME=VALUE}: a store's backlog or journal made small); does not wait.
   */
  public static Daemon launchWith(List<String> jvmOptions, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-Dlmdbjava.extract.dir=" + jar().toAbsolutePath().getParent());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    return new Daemon(pb.start());
  }

  /** Starts any command that ends in greygate (a launcher, an installed package); does not wait. */
  public static Daemon start(ProcessBuilder pb) throws IOException {
    return new Daemon(pb.redirectErrorStream(true).start());
  }

  /** Starts {@code greygate serve ARGS...} and waits until it is ready. */
  public static Daemon serve(String... args) throws IOException, InterruptedException {
    return serveWith(List.of(), args);
  }

  /** {@code greygate serve ARGS...} in a JVM also given {@code jvmOptions}; ready. */
  public static Daemon serveWith(List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("serve"));
    all.addAll(List.of(args));
    Daemon d = launchWith(jvmOptions, all.toArray(String[]::new));
    d.awaitLine("ready", 20);
    return d;
  }

  private static final java.util.regex.Pattern METRICS_PORT =
      java.util.regex.Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");

  /** The port of {@code --metrics=127.0.0.1:0}, from the line that names it (within 10 s). */
  public int metricsPort() throws InterruptedException {
    java.util.regex.Matcher m = METRICS_PORT.matcher(awaitLine("metrics on http://", 10));
    if (!m.find()) throw new AssertionError("no metrics port in:\n" + output());
    return Integer.parseInt(m.group(1));
  }

  /** Waits until a line containing {@code text} appears; fails with the output if it does not. */
  public String awaitLine(String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int seen = 0;
    while (System.nanoTime() < deadline) {
      for (; seen < lines.size(); seen++) {
        if (lines.get(seen).contains(text)) {
          return lines.get(seen);
        }
      }
      if (!process.isAlive() && seen >= lines.size()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "no line containing '"
            + text
            + "' within "
            + seconds
            + " s; output:\n"
            + String.join("\n", lines));
  }

  /** Number of output lines so far (to wait for a line that comes after this point). */
  public int mark() {
    return lines.size();
  }

  public String awaitLineAfter(int mark, String text, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      for (int i = mark; i < lines.size(); i++) {
        if (lines.get(i).contains(text)) {
          return lines.get(i);
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "no new line containing '"
            + text
            + "' within "
            + seconds
            + " s; output:\n"
            + String.join("\n", lines));
  }

  public int port() throws InterruptedException {
    Matcher m = LISTEN.matcher(awaitLine("listening on /127.0.0.1:", 10));
    if (!m.find()) throw new AssertionError("no port in log");
    return Integer.parseInt(m.group(1));
  }

  public long pid() {
    return process.pid();
  }

  public void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (kill.waitFor() != 0) throw new IOException("kill -" + name + " failed");
  }

  /** Waits for exit; returns the exit code, or -1 if still running after {@code seconds}. */
  public int waitFor(int seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  public String output() {
    return String.join("\n", lines);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
