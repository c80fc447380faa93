package org.greygate.program;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program run without a shell and bounded in time, as the queue watch and the snapshot run {@code
 * postqueue -j}: its input is {@code /dev/null}, its error output is drained on a thread of its own
 * (the first 2 KiB kept, on one line), and a watchdog kills it when it outlives its timeout. The
 * caller reads {@link #stdout} as it streams, then asks {@link #finish} how it went.
 */
public final class BoundedProgram {
  private static final int KEPT_ERRORS = 2048;

  private final Process process;
  private final Duration timeout;
  private final StringBuilder errors = new StringBuilder();
  private final Thread stderr;
  private volatile boolean killed;

  /**
   * How it ended.
   *
   * @param killed it outlived its timeout and was killed
   * @param exitCode its exit status ({@code -1} when it could not be told)
   * @param errors the start of its error output, on one line (empty when none)
   */
  public record Outcome(boolean killed, int exitCode, String errors) {}

  private BoundedProgram(Process process, Duration timeout, String name) {
    this.process = process;
    this.timeout = timeout;
    Thread watchdog =
        new Thread(
            () -> {
              try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                  killed = true;
                  process.destroyForcibly();
                }
              } catch (InterruptedException e) {
                process.destroyForcibly();
              }
            },
            name + "-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    stderr = new Thread(this::drain, name + "-stderr");
    stderr.setDaemon(true);
    stderr.start();
  }

  /**
   * Starts {@code command} (the program, then its arguments).
   *
   * @param name for its threads, e.g. {@code postqueue}
   * @throws IOException when it cannot be started
   */
  public static BoundedProgram start(List<String> command, Duration timeout, String name)
      throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    return new BoundedProgram(p, timeout, name);
  }

  /** What it writes, to read as it streams (the caller closes it). */
  public InputStream stdout() {
    return process.getInputStream();
  }

  /** Stops it now (the caller has read enough). */
  public void kill() {
    process.destroyForcibly();
  }

  /** Waits for its end (the watchdog bounds the wait) and says how it went. */
  public Outcome finish() throws InterruptedException {
    if (!process.waitFor(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
      killed = true;
      process.destroyForcibly();
      process.waitFor(1, TimeUnit.SECONDS);
    }
    stderr.join(1000);
    String message;
    synchronized (errors) {
      message = errors.toString().strip();
    }
    return new Outcome(killed, process.isAlive() ? -1 : process.exitValue(), message);
  }

  private void drain() {
    byte[] buf = new byte[4096];
    try (InputStream in = process.getErrorStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        synchronized (errors) {
          if (errors.length() < KEPT_ERRORS) {
            String s = new String(buf, 0, n, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+", " ");
            errors.append(s, 0, Math.min(s.length(), KEPT_ERRORS - errors.length()));
          }
        }
      }
    } catch (IOException e) {
      // the process ended; what was read is kept
    }
  }
}
