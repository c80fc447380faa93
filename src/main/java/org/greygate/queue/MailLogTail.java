package org.greygate.queue;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Follows a log file as {@code tail -F} does: the lines appended since the last {@link #poll},
 * through rotation (the old file is read to its end, then the new one from its start) and
 * truncation (read again from the start). The first poll starts at the file's end: history is not
 * replayed. A line longer than 64 KiB is dropped and counted ({@link #takeOverLong}), not cut: the
 * start of a line is no line of its own. Each poll reads at most {@code maxBytes}, so a burst of
 * log is worked through over several polls rather than stalling one.
 */
final class MailLogTail implements Closeable {
  static final int MAX_LINE = 64 * 1024;

  private final Path path;
  private FileChannel channel;
  private Object fileKey;
  private long position;
  private boolean started;
  private boolean tooLong;
  private long overLong;
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

  MailLogTail(Path path) {
    this.path = path;
  }

  Path path() {
    return path;
  }

  /**
   * Hands each complete new line to {@code lines}.
   *
   * @return bytes read
   * @throws IOException if the file exists and cannot be read
   */
  long poll(Consumer<String> lines, long maxBytes) throws IOException {
    BasicFileAttributes now;
    try {
      now = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      now = null; // rotated away and not yet recreated: finish the old file
    }
    long read = 0;
    if (channel != null && now != null && !Objects.equals(now.fileKey(), fileKey)) {
      // rotated: what was written to the old file before the switch still counts
      read += readAvailable(lines, maxBytes);
      close();
    }
    if (channel == null) {
      if (now == null) {
        started = true; // a file that appears later is read from its start
        return read;
      }
      channel = FileChannel.open(path, StandardOpenOption.READ);
      fileKey = now.fileKey();
      position = started ? 0 : channel.size();
      started = true;
      partial.reset();
      tooLong = false;
    }
    if (channel.size() < position) {
      position = 0; // truncated in place (copytruncate)
      partial.reset();
      tooLong = false;
    }
    return read + readAvailable(lines, maxBytes - read);
  }

  private long readAvailable(Consumer<String> lines, long maxBytes) throws IOException {
    long read = 0;
    while (read < maxBytes) {
      buffer.clear();
      if (maxBytes - read < buffer.capacity()) buffer.limit((int) (maxBytes - read));
      int n = channel.read(buffer, position);
      if (n <= 0) break;
      position += n;
      read += n;
      byte[] a = buffer.array();
      for (int k = 0; k < n; k++) {
        byte b = a[k];
        if (b == '\n') {
          if (tooLong) {
            overLong++;
          } else {
            lines.accept(partial.toString(StandardCharsets.UTF_8));
          }
          partial.reset();
          tooLong = false;
        } else if (partial.size() < MAX_LINE) {
          partial.write(b);
        } else {
          tooLong = true;
        }
      }
    }
    return read;
  }

  /** Lines dropped for their length since the last call. */
  long takeOverLong() {
    long n = overLong;
    overLong = 0;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      FileChannel c = channel;
      channel = null;
      fileKey = null;
      partial.reset();
      tooLong = false;
      c.close();
    }
  }
}
