package org.greygate.queue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code postqueue -j} and counts what it lists. The listing is read as it streams (a queue of
 * a million messages is never held in memory) and bounded in time: a {@code postqueue} that has not
 * finished by the timeout is killed and the reading fails.
 */
final class PostqueueReader {
  private static final int MAX_LINE = 1 << 20;

  private final List<String> command;
  private final Duration timeout;

  /**
   * @param command the program and its arguments, {@code -j} included
   * @param timeout the longest a reading may take
   */
  PostqueueReader(List<String> command, Duration timeout) {
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  List<String> command() {
    return command;
  }

  /**
   * @throws IOException if the program cannot be run, fails (its message is in the exception) or
   *     does not finish in time
   */
  QueueCounts read() throws IOException {
    Process p;
    try {
      p =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(devNull()))
              .start();
    } catch (IOException e) {
      throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    boolean[] killed = new boolean[1];
    Thread watchdog =
        new Thread(
            () -> {
              try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                  killed[0] = true;
                  p.destroyForcibly();
                }
              } catch (InterruptedException e) {
                p.destroyForcibly();
              }
            },
            "postqueue-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    StringBuilder errors = new StringBuilder();
    Thread stderr = new Thread(() -> drain(p.getErrorStream(), errors), "postqueue-stderr");
    stderr.setDaemon(true);
    stderr.start();
    QueueCounts.Builder counts = new QueueCounts.Builder();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        if (line.length() > MAX_LINE) {
          counts.unreadable();
          continue;
        }
        try {
          PostqueueJson.Entry e = PostqueueJson.parse(line);
          counts.add(e.queue(), e.size());
        } catch (IllegalArgumentException e) {
          counts.unreadable();
        }
      }
    } finally {
      try {
        p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        stderr.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      p.destroyForcibly();
    }
    String what = String.join(" ", command);
    if (killed[0])
      throw new IOException(what + " did not finish within " + timeout.toSeconds() + " s");
    int code = p.exitValue();
    if (code != 0) {
      String message;
      synchronized (errors) {
        message = errors.toString().strip();
      }
      throw new IOException(
          what + " failed (exit " + code + ")" + (message.isEmpty() ? "" : ": " + message));
    }
    return counts.build();
  }

  /** Keeps the first 2 KiB of the program's error output, one line. */
  private static void drain(InputStream in, StringBuilder into) {
    byte[] buf = new byte[4096];
    try (in) {
      int n;
      while ((n = in.read(buf)) > 0) {
        synchronized (into) {
          if (into.length() < 2048) {
            String s = new String(buf, 0, n, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+", " ");
            into.append(s, 0, Math.min(s.length(), 2048 - into.length()));
          }
        }
      }
    } catch (IOException e) {
      // the process ended; what was read is kept
    }
  }

  private static java.io.File devNull() {
    return new java.io.File("/dev/null");
  }

  @Override
  public String toString() {
    return String.join(" ", command);
  }

  static List<String> command(String postqueue, String configDir) {
    List<String> c = new ArrayList<>();
    c.add(postqueue);
    if (configDir != null) {
      c.add("-c");
      c.add(configDir);
    }
    c.add("-j");
    return c;
  }
}
