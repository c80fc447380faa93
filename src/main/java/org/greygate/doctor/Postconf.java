package org.greygate.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.greygate.program.BoundedProgram;

/** Reads Postfix's configuration by running {@code postconf}, as an admin would. */
public final class Postconf {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int MAX_OUTPUT = 4 << 20;

  private final String program;
  private final Path configDirectory;

  /**
   * @param program postconf, or a path to it
   * @param configDirectory Postfix's configuration directory ({@code postconf -c}), or null for the
   *     default one
   */
  public Postconf(String program, Path configDirectory) {
    this.program = program;
    this.configDirectory = configDirectory;
  }

  /**
   * @throws IOException naming the command and what it said when it cannot run or fails
   */
  public PostfixConfig read() throws IOException {
    List<String> values = new ArrayList<>(List.of("-x"));
    values.addAll(PostfixConfig.PARAMETERS);
    return PostfixConfig.parse(
        run(values), run(List.of("-n")), run(List.of("-M")), run(List.of("-P")));
  }

  private String run(List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(program));
    if (configDirectory != null) command.addAll(List.of("-c", configDirectory.toString()));
    command.addAll(args);
    String shown = String.join(" ", command);
    BoundedProgram p;
    try {
      p = BoundedProgram.start(command, TIMEOUT, "postconf");
    } catch (IOException e) {
      throw new IOException(shown + ": cannot run it (" + e.getMessage() + ")", e);
    }
    byte[] out;
    try (InputStream in = p.stdout()) {
      out = in.readNBytes(MAX_OUTPUT);
    }
    BoundedProgram.Outcome end;
    try {
      end = p.finish();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(shown + ": interrupted", e);
    }
    if (end.killed())
      throw new IOException(shown + ": no answer within " + TIMEOUT.toSeconds() + " s");
    if (end.exitCode() != 0) {
      throw new IOException(
          shown
              + ": failed (exit "
              + end.exitCode()
              + ")"
              + (end.errors().isEmpty() ? "" : ": " + end.errors()));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
