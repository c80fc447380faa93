package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that reads {@code --dbdir}, given one it cannot use, says why in one line of words
 * (never a Java type) and exits as README's contract says: 2 when the path given names no directory
 * (a bad value), 1 when the directory is there but holds no database (a state).
 */
class DbdirErrorsTest {
  @TempDir Path dir;

  /** The commands, each with what it needs besides --dbdir. */
  static final List<List<String>> COMMANDS =
      List.of(
          List.of("db", "stats"),
          List.of("db", "dump"),
          List.of("db", "verify"),
          List.of("report"),
          List.of("limits", "show"),
          List.of("limits", "reset", "alice@example.org"),
          List.of(
              "check",
              "client_address=192.0.2.1",
              "client_name=mx.example.org",
              "sender=a@example.org",
              "recipient=b@example.net"));

  record Run(int code, String out, String err) {}

  static Run run(List<String> command, Path dbdir) {
    Cli cli = new Cli();
    List<String> args = new ArrayList<>(command);
    // the option after the subcommand's words, before its parameters: as a user types it
    int at = command.get(0).equals("db") || command.get(0).equals("limits") ? 2 : 1;
    args.add(at, "--dbdir=" + dbdir);
    int code = cli.run(args.toArray(String[]::new));
    return new Run(code, cli.out.toString(), cli.err.toString());
  }

  static void oneLine(Run r, String expected, String what) {
    assertFalse(r.err().contains("Exception"), what + ": " + r.err());
    assertFalse(r.err().contains("\tat "), what + ": " + r.err());
    assertEquals(1, r.err().lines().count(), what + ": one line, got: " + r.err());
    assertEquals("greygate: " + expected, r.err().strip(), what);
  }

  @Test
  void aMissingDirectoryIsABadValue() {
    Path missing = dir.resolve("missing");
    for (List<String> c : COMMANDS) {
      Run r = run(c, missing);
      assertEquals(2, r.code(), c + ": " + r.err());
      oneLine(r, "--dbdir " + missing + ": no such directory", c.toString());
      assertFalse(Files.exists(missing), c + " made the directory");
    }
  }

  @Test
  void aFileIsNotADirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    for (List<String> c : COMMANDS) {
      Run r = run(c, file);
      assertEquals(2, r.code(), c + ": " + r.err());
      oneLine(r, "--dbdir " + file + ": not a directory", c.toString());
    }
    Path under = file.resolve("db");
    for (List<String> c : COMMANDS) {
      Run r = run(c, under);
      assertEquals(2, r.code(), c + ": " + r.err());
      oneLine(
          r,
          "--dbdir " + under + ": no such directory (" + file + " is not a directory)",
          c.toString());
    }
  }

  @Test
  void anEmptyDirectoryHoldsNoDatabaseYet() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    for (List<String> c : COMMANDS) {
      Run r = run(c, empty);
      if (c.get(0).equals("check")) {
        // the daemon has not written yet: check answers as it would, every triplet new
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("action=DEFER_IF_PERMIT"), r.out());
        continue;
      }
      assertEquals(1, r.code(), c + ": " + r.err());
      oneLine(
          r,
          "--dbdir "
              + empty
              + " holds no greygate database yet (no data.mdb: has greygate serve run with it?)",
          c.toString());
      try (var files = Files.list(empty)) {
        assertEquals(0, files.count(), c + " wrote into the directory");
      }
    }
  }
}
