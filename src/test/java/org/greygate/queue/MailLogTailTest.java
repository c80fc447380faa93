package org.greygate.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against real files: appends, rotation by rename, copytruncate, a file that appears late. */
class MailLogTailTest {
  @TempDir Path dir;

  List<String> poll(MailLogTail t) throws IOException {
    List<String> lines = new ArrayList<>();
    t.poll(lines::add, Long.MAX_VALUE);
    return lines;
  }

  static void append(Path p, String s) throws IOException {
    Files.writeString(
        p, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void startsAtTheEndThenReadsWhatIsAppended() throws IOException {
    Path log = dir.resolve("mail.log");
    append(log, "old 1\nold 2\n");
    try (MailLogTail t = new MailLogTail(log)) {
      assertEquals(List.of(), poll(t));
      append(log, "new 1\nnew 2 half");
      assertEquals(List.of("new 1"), poll(t));
      append(log, " done\n");
      assertEquals(List.of("new 2 half done"), poll(t));
    }
  }

  @Test
  void followsARotationReadingTheOldFileToItsEnd() throws IOException {
    Path log = dir.resolve("mail.log");
    append(log, "");
    try (MailLogTail t = new MailLogTail(log)) {
      poll(t);
      append(log, "a\n");
      Files.move(log, dir.resolve("mail.log.1"));
      append(dir.resolve("mail.log.1"), "b\n"); // written before the logger reopened
      assertEquals(List.of("a", "b"), poll(t), "the old file is read to its end");
      append(log, "c\n");
      assertEquals(List.of("c"), poll(t), "the new file from its start");
    }
  }

  @Test
  void aTruncatedFileIsReadFromItsStart() throws IOException {
    Path log = dir.resolve("mail.log");
    append(log, "");
    try (MailLogTail t = new MailLogTail(log)) {
      poll(t);
      append(log, "a long first line\n");
      assertEquals(List.of("a long first line"), poll(t));
      Files.writeString(log, "x\n"); // copytruncate, then a short line
      assertEquals(List.of("x"), poll(t));
    }
  }

  @Test
  void aFileThatAppearsLaterIsReadFromItsStart() throws IOException {
    Path log = dir.resolve("mail.log");
    try (MailLogTail t = new MailLogTail(log)) {
      assertEquals(List.of(), poll(t));
      append(log, "first\n");
      assertEquals(List.of("first"), poll(t));
    }
  }

  @Test
  void eachPollIsBoundedAndALongLineIsDroppedAndCounted() throws IOException {
    Path log = dir.resolve("mail.log");
    append(log, "");
    try (MailLogTail t = new MailLogTail(log)) {
      poll(t);
      append(log, "x".repeat(200_000) + "\nshort\n");
      List<String> lines = new ArrayList<>();
      long read = t.poll(lines::add, 100_000);
      assertEquals(100_000, read);
      assertEquals(List.of(), lines);
      t.poll(lines::add, Long.MAX_VALUE);
      // its first 64 KiB would look like a line of its own: the whole line is dropped
      assertEquals(List.of("short"), lines);
      assertEquals(1, t.takeOverLong());
      assertEquals(0, t.takeOverLong());
    }
  }
}
