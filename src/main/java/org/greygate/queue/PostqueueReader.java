package org.greygate.queue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.greygate.program.BoundedProgram;

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
    BoundedProgram p;
    try {
      p = BoundedProgram.start(command, timeout, "postqueue");
    } catch (IOException e) {
      throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    QueueCounts.Builder counts = new QueueCounts.Builder();
    BoundedProgram.Outcome end;
    try {
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8))) {
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
        end = p.finish();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.kill();
      throw new IOException(String.join(" ", command) + " interrupted", e);
    }
    String what = String.join(" ", command);
    if (end.killed())
      throw new IOException(what + " did not finish within " + timeout.toSeconds() + " s");
    if (end.exitCode() != 0) {
      throw new IOException(
          what
              + " failed (exit "
              + end.exitCode()
              + ")"
              + (end.errors().isEmpty() ? "" : ": " + end.errors()));
    }
    return counts.build();
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
