package org.greygate.queue.forensic;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.greygate.files.PrivateFiles;
import org.greygate.logline.BoundedLines;
import org.greygate.program.BoundedProgram;
import org.greygate.queue.forensic.Manifest.Entry;
import org.greygate.queue.forensic.Manifest.Extra;
import org.greygate.queue.forensic.Manifest.Kind;
import org.greygate.queue.forensic.Manifest.State;

/**
 * Takes a snapshot: walks the spool read-only into the archive and the manifest, runs {@code
 * postqueue -j}, keeps the mail log's tail. Directories are opened relative to their parent without
 * following a link ({@code openat} with {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}),
 * so a link planted anywhere in the spool, or a directory swapped for one while the walk runs,
 * leads nowhere outside it; only regular files are opened, the same way, and an open that blocks (a
 * file swapped for a fifo after it was listed) is abandoned after {@code openTimeout}. Files are
 * streamed through a fixed buffer: memory does not grow with their size. Not thread-safe: one
 * snapshot per instance.
 */
final class SnapshotTaker {
  /** The mail log's tail: at most this many lines ... */
  static final int TAIL_LINES = 10_000;

  /** ... from at most this many bytes at the log's end. */
  static final int TAIL_BYTES = 10 << 20;

  /** {@code postqueue -j}'s listing is archived up to this many bytes. */
  static final long MAX_LISTING = 1L << 30;

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final String ATTRIBUTES = "unix:mode,uid,gid,size,lastModifiedTime,ino,ctime";

  /** Called before a spool file is opened; tests make Postfix's work happen there. */
  interface Hook {
    Hook NONE = path -> {};

    void beforeOpen(Path file) throws IOException;
  }

  /**
   * What to snapshot.
   *
   * @param spool Postfix's queue directory
   * @param out the snapshot's directory: absent or empty
   * @param mailLog the mail log, or null for none
   * @param postqueue {@code postqueue -j} as a command (program and arguments, no shell)
   */
  record Request(
      Path spool,
      Path out,
      Path mailLog,
      List<String> postqueue,
      Duration postqueueTimeout,
      Duration openTimeout) {
    Request {
      Objects.requireNonNull(spool);
      Objects.requireNonNull(out);
      postqueue = List.copyOf(postqueue);
    }
  }

  /** How many of each outcome, for the summary. */
  static final class Counts {
    long copied;
    long changed;
    long vanished;
    long unreadable;
    long recorded;
    long bytes;
    String postqueue = "";
    String mailLog = "";

    @Override
    public String toString() {
      return copied
          + " files copied ("
          + bytes
          + " bytes), "
          + changed
          + " changed while copied, "
          + vanished
          + " vanished, "
          + unreadable
          + " unreadable, "
          + recorded
          + " recorded without reading (directories, links, fifos, devices); postqueue: "
          + postqueue
          + "; mail log: "
          + mailLog;
    }
  }

  /** A snapshot taken: its manifest and the manifest's SHA-256. */
  record Result(Path manifest, String sha256, Counts counts) {}

  private final Request request;
  private final Clock clock;
  private final Hook hook;
  private final Counts counts = new Counts();
  private final Map<Integer, String> users = new HashMap<>();
  private final Map<Integer, String> groups = new HashMap<>();
  private final byte[] buffer = new byte[64 * 1024];
  private final Set<Object> stuck =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  private ZipOutputStream zip;
  private OutputStream manifest;

  SnapshotTaker(Request request, Clock clock, Hook hook) {
    this.request = request;
    this.clock = clock;
    this.hook = hook;
  }

  /**
   * Checks the request, makes the directory (owner-only) and takes the snapshot.
   *
   * @throws IllegalArgumentException for a spool that is no directory, or an output directory that
   *     is not empty, is a link, is someone else's or lies inside the spool
   * @throws IOException when the snapshot's own files cannot be written (a vanished or unreadable
   *     spool file is recorded, never thrown)
   */
  Result take() throws IOException {
    Path spool = request.spool();
    if (!Files.isDirectory(spool)) {
      throw new IllegalArgumentException("--spool " + spool + ": not a directory");
    }
    Path out = prepareOut(request.out(), spool);
    String taken = clock.instant().toString();
    Path zipTmp = PrivateFiles.createTemp(out, ".queue.zip.");
    Path manifestTmp = PrivateFiles.createTemp(out, ".manifest.");
    MessageDigest sha = Hashes.sha256();
    try (ZipOutputStream z =
            new ZipOutputStream(
                new BufferedOutputStream(
                    Files.newOutputStream(zipTmp, StandardOpenOption.WRITE, NOFOLLOW), 1 << 16));
        OutputStream m =
            new DigestOutputStream(
                new BufferedOutputStream(
                    Files.newOutputStream(manifestTmp, StandardOpenOption.WRITE, NOFOLLOW)),
                sha)) {
      zip = z;
      manifest = m;
      z.setLevel(Deflater.BEST_SPEED);
      write(new Manifest.Header(Manifest.VERSION, taken, spool.toString()));
      write(postqueue());
      DirectoryStream<Path> root = Files.newDirectoryStream(spool);
      if (!(root instanceof SecureDirectoryStream<Path> secure)) {
        root.close();
        throw new IOException("this system cannot open directories without following links");
      }
      try {
        walk(secure, spool, "");
      } finally {
        closeUnlessStuck(secure);
      }
      write(mailLogTail());
    }
    String hex = Hashes.hex(sha.digest());
    Path manifestFile = out.resolve(Manifest.FILE);
    Files.move(zipTmp, out.resolve(Manifest.ARCHIVE));
    Files.move(manifestTmp, manifestFile);
    Path hashTmp = PrivateFiles.createTemp(out, ".manifest.sha256.");
    Files.writeString(
        hashTmp,
        hex + "  " + Manifest.FILE + "\n",
        StandardCharsets.US_ASCII,
        StandardOpenOption.WRITE,
        NOFOLLOW);
    Files.move(hashTmp, out.resolve(Manifest.HASH_FILE));
    return new Result(manifestFile, hex, counts);
  }

  /** The output directory, made or checked: ours, owner-only, empty, not inside the spool. */
  static Path prepareOut(Path out, Path spool) throws IOException {
    // checked before anything is made: a directory made inside the spool would change it
    Path existing = out.toAbsolutePath().normalize();
    Path rest = existing.getFileSystem().getPath("");
    while (!Files.exists(existing, NOFOLLOW) && existing.getParent() != null) {
      rest = existing.getFileName().resolve(rest);
      existing = existing.getParent();
    }
    if (existing.toRealPath().resolve(rest).startsWith(spool.toRealPath())) {
      throw new IllegalArgumentException(
          "--out " + out + ": inside the spool " + spool + " (the snapshot would copy itself)");
    }
    if (Files.exists(out, NOFOLLOW)) {
      if (Files.isSymbolicLink(out)) {
        throw new IllegalArgumentException("--out " + out + ": a symbolic link, refusing it");
      }
      if (!Files.isDirectory(out, NOFOLLOW)) {
        throw new IllegalArgumentException("--out " + out + ": exists and is not a directory");
      }
      try (DirectoryStream<Path> in = Files.newDirectoryStream(out)) {
        if (in.iterator().hasNext()) {
          throw new IllegalArgumentException(
              "--out " + out + ": not empty (a snapshot goes into a new or empty directory)");
        }
      }
      int owner = PrivateFiles.ownerUid(out);
      if (owner != PrivateFiles.processUid()) {
        throw new IllegalArgumentException(
            "--out " + out + ": belongs to " + PrivateFiles.nameOf(owner) + ", refusing it");
      }
      Files.setPosixFilePermissions(
          out, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    } else {
      PrivateFiles.createPrivateDirectories(out);
    }
    if (out.toRealPath().startsWith(spool.toRealPath())) {
      throw new IllegalArgumentException(
          "--out " + out + ": inside the spool " + spool + " (the snapshot would copy itself)");
    }
    return out.toRealPath();
  }

  private void write(Manifest.Line record) throws IOException {
    manifest.write((Manifest.line(record) + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  /** One directory's entries, in the order of their names, depth first. */
  private void walk(SecureDirectoryStream<Path> dir, Path dirPath, String rel) throws IOException {
    List<Path> names = new ArrayList<>();
    for (Path p : dir) names.add(p.getFileName());
    names.sort(Comparator.comparing(Path::toString));
    for (Path name : names) {
      String path = rel.isEmpty() ? name.toString() : rel + "/" + name;
      Path full = dirPath.resolve(name);
      Map<String, Object> a;
      try {
        a = Files.readAttributes(full, ATTRIBUTES, NOFOLLOW);
      } catch (NoSuchFileException gone) {
        counts.vanished++;
        continue; // gone between the listing and its look: nothing of it was seen
      } catch (IOException e) {
        counts.unreadable++;
        write(unknown(path, PrivateFiles.reason(e)));
        continue;
      }
      int mode = (Integer) a.get("mode");
      Kind kind = Kind.ofMode(mode);
      switch (kind) {
        case FILE -> write(copy(dir, name, full, path, a));
        case DIR -> {
          SecureDirectoryStream<Path> child;
          try {
            child = timed(dir, () -> dir.newDirectoryStream(name, NOFOLLOW));
          } catch (IOException e) {
            boolean gone = e instanceof NoSuchFileException;
            if (gone) counts.vanished++;
            else counts.unreadable++;
            write(
                entry(
                    full,
                    path,
                    kind,
                    gone ? State.VANISHED : State.UNREADABLE,
                    a,
                    null,
                    null,
                    null,
                    "not listed: " + PrivateFiles.reason(e)));
            continue;
          }
          counts.recorded++;
          write(entry(full, path, kind, State.RECORDED, a, null, null, null, null));
          try {
            walk(child, full, path);
          } finally {
            closeUnlessStuck(child);
          }
        }
        case LINK -> {
          String target;
          try {
            target = Files.readSymbolicLink(full).toString(); // the link's text; never followed
          } catch (NoSuchFileException gone) {
            counts.vanished++;
            write(entry(full, path, kind, State.VANISHED, a, null, null, null, null));
            continue;
          }
          counts.recorded++;
          write(entry(full, path, kind, State.RECORDED, a, null, null, target, null));
        }
        default -> {
          counts.recorded++; // a fifo, device or socket: opening one could block or act
          write(entry(full, path, kind, State.RECORDED, a, null, null, null, "not opened"));
        }
      }
    }
  }

  /** A regular file into the archive, streamed, with what happened to it. */
  private Entry copy(
      SecureDirectoryStream<Path> dir, Path name, Path full, String path, Map<String, Object> a)
      throws IOException {
    SeekableByteChannel in;
    try {
      hook.beforeOpen(full);
      Set<OpenOption> read = Set.of(StandardOpenOption.READ, NOFOLLOW);
      in = timed(dir, () -> dir.newByteChannel(name, read));
    } catch (NoSuchFileException gone) {
      counts.vanished++;
      return entry(
          full, path, Kind.FILE, State.VANISHED, a, null, null, null, "gone before it was read");
    } catch (IOException e) {
      counts.unreadable++;
      String why =
          Files.isSymbolicLink(full)
              ? "replaced by a symbolic link before it was read (not followed)"
              : PrivateFiles.reason(e);
      return entry(full, path, Kind.FILE, State.UNREADABLE, a, null, null, null, why);
    }
    MessageDigest sha = Hashes.sha256();
    long n = 0;
    String failed = null;
    ZipEntry ze = new ZipEntry(Manifest.SPOOL_PREFIX + ManifestText.encode(path));
    ze.setLastModifiedTime((FileTime) a.get("lastModifiedTime"));
    zip.putNextEntry(ze);
    try (InputStream s = Channels.newInputStream(in)) {
      int r;
      while ((r = s.read(buffer)) > 0) {
        sha.update(buffer, 0, r);
        zip.write(buffer, 0, r);
        n += r;
      }
    } catch (IOException e) {
      failed = "reading stopped after " + n + " bytes: " + PrivateFiles.reason(e);
    }
    zip.closeEntry();
    counts.bytes += n;
    String changed = failed != null ? failed : changedSince(full, a, n);
    if (changed == null) {
      counts.copied++;
      return entry(full, path, Kind.FILE, State.COPIED, a, n, Hashes.hex(sha.digest()), null, null);
    }
    counts.changed++;
    return entry(
        full, path, Kind.FILE, State.CHANGED, a, n, Hashes.hex(sha.digest()), null, changed);
  }

  /** What differs from the listing now that the file was read, or null when nothing. */
  private static String changedSince(Path full, Map<String, Object> before, long read) {
    Map<String, Object> after;
    try {
      after = Files.readAttributes(full, ATTRIBUTES, NOFOLLOW);
    } catch (NoSuchFileException gone) {
      return "removed while it was read (" + read + " bytes read)";
    } catch (IOException e) {
      return "unreadable after it was read: " + PrivateFiles.reason(e);
    }
    List<String> what = new ArrayList<>();
    if (!after.get("ino").equals(before.get("ino"))) what.add("replaced (another inode)");
    long size = (Long) before.get("size");
    if (read != size) what.add("size " + size + " when listed, " + read + " bytes read");
    if (!after.get("size").equals(before.get("size"))) {
      what.add("size " + size + " then " + after.get("size"));
    }
    if (!after.get("lastModifiedTime").equals(before.get("lastModifiedTime"))) {
      what.add(
          "mtime " + before.get("lastModifiedTime") + " then " + after.get("lastModifiedTime"));
    }
    if (!after.get("ctime").equals(before.get("ctime"))) what.add("status changed (ctime)");
    return what.isEmpty() ? null : "changed while copied: " + String.join(", ", what);
  }

  private Entry entry(
      Path full,
      String path,
      Kind kind,
      State state,
      Map<String, Object> a,
      Long read,
      String sha,
      String target,
      String note) {
    int uid = (Integer) a.get("uid");
    int gid = (Integer) a.get("gid");
    return new Entry(
        path,
        kind,
        state,
        read != null ? read : (Long) a.get("size"),
        sha,
        uid,
        gid,
        users.computeIfAbsent(uid, u -> name(u, "posix:owner", full)),
        groups.computeIfAbsent(gid, g -> name(g, "posix:group", full)),
        (Integer) a.get("mode") & 07777,
        a.get("lastModifiedTime").toString(),
        target,
        note);
  }

  /** The system's name for a numeric id (the same lookup {@code ls -l} makes), or the number. */
  private static String name(int id, String attribute, Path full) {
    try {
      String n =
          ((java.security.Principal) Files.getAttribute(full, attribute, NOFOLLOW)).getName();
      return n == null || n.isEmpty() ? Integer.toString(id) : n;
    } catch (IOException | RuntimeException e) {
      return Integer.toString(id);
    }
  }

  /** A name that could not even be looked at: recorded with what is known (its name). */
  private static Entry unknown(String path, String why) {
    return new Entry(
        path, Kind.FILE, State.UNREADABLE, 0, null, -1, -1, "-", "-", 0, "-", null, why);
  }

  /**
   * A directory stream with an open abandoned in it is left open: the stuck open holds its lock, so
   * closing it would wait for the open (for ever, on a fifo nobody writes to). The process ends
   * soon after a snapshot; its descriptors go with it.
   */
  private void closeUnlessStuck(SecureDirectoryStream<Path> dir) throws IOException {
    if (!stuck.contains(dir)) dir.close();
  }

  /**
   * Opens something in {@code dir} (null: elsewhere), giving up after the open timeout (an open of
   * a fifo blocks until a writer comes).
   */
  private <T extends java.io.Closeable> T timed(Object dir, Opener<T> open) throws IOException {
    CompletableFuture<T> f =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return open.open();
              } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            OPENERS);
    try {
      return f.get(request.openTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // if it ever opens (a writer came to the fifo), close it at once
      f.thenAccept(SnapshotTaker::closeQuietly);
      if (dir != null) stuck.add(dir);
      throw new IOException(
          "opening it did not finish within "
              + request.openTimeout().toSeconds()
              + " s (a fifo put in its place?): not read");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException e) {
      // nothing was read from it
    }
  }

  @FunctionalInterface
  private interface Opener<T> {
    T open() throws IOException;
  }

  /** Opens run here: a daemon thread each, so one stuck on a fifo never holds the process. */
  private static final java.util.concurrent.Executor OPENERS =
      r -> {
        Thread t = new Thread(r, "snapshot-open");
        t.setDaemon(true);
        t.start();
      };

  // --- postqueue -j

  private Extra postqueue() throws IOException {
    List<String> command = request.postqueue();
    String source = String.join(" ", command);
    MessageDigest sha = Hashes.sha256();
    zip.putNextEntry(new ZipEntry(Manifest.POSTQUEUE));
    BoundedProgram p;
    try {
      p = BoundedProgram.start(command, request.postqueueTimeout(), "snapshot-postqueue");
    } catch (IOException e) {
      zip.closeEntry();
      counts.postqueue = "failed";
      return new Extra(
          Manifest.POSTQUEUE,
          "failed",
          0,
          Hashes.hex(sha.digest()),
          source,
          "cannot run " + command.get(0) + ": " + PrivateFiles.reason(e));
    }
    long n = 0;
    boolean truncated = false;
    BoundedProgram.Outcome end = null;
    try (InputStream s = p.stdout()) {
      int r;
      while ((r = s.read(buffer)) > 0) {
        int keep = (int) Math.min(r, MAX_LISTING - n);
        sha.update(buffer, 0, keep);
        zip.write(buffer, 0, keep);
        n += keep;
        if (n >= MAX_LISTING) {
          truncated = true;
          p.kill();
          break;
        }
      }
    } finally {
      zip.closeEntry();
      try {
        end = p.finish();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.kill();
      }
    }
    String state = "ok";
    String note = null;
    if (truncated) {
      state = "truncated";
      note = "listing cut at " + MAX_LISTING + " bytes";
    } else if (end == null || end.killed()) {
      state = "failed";
      note = "did not finish within " + request.postqueueTimeout().toSeconds() + " s";
    } else if (end.exitCode() != 0) {
      state = "failed";
      note = "exit " + end.exitCode() + (end.errors().isEmpty() ? "" : ": " + end.errors());
    } else if (!end.errors().isEmpty()) {
      note = end.errors();
    }
    counts.postqueue = state + (note == null ? "" : " (" + note + ")");
    return new Extra(Manifest.POSTQUEUE, state, n, Hashes.hex(sha.digest()), source, note);
  }

  // --- the mail log's tail

  private Extra mailLogTail() throws IOException {
    Path log = request.mailLog();
    MessageDigest sha = Hashes.sha256();
    zip.putNextEntry(new ZipEntry(Manifest.MAIL_LOG));
    if (log == null) {
      zip.closeEntry();
      counts.mailLog = "none asked";
      return new Extra(Manifest.MAIL_LOG, "absent", 0, Hashes.hex(sha.digest()), null, "none");
    }
    String source = log.toString();
    String state = "ok";
    String note;
    long n = 0;
    try {
      if (!Files.isRegularFile(log)) {
        throw new IOException(
            Files.exists(log) ? "not a regular file: not opened" : "no such file");
      }
      byte[] tail;
      long start;
      try (FileChannel ch = timed(null, () -> FileChannel.open(log, StandardOpenOption.READ))) {
        long size = ch.size();
        start = Math.max(0, size - TAIL_BYTES);
        ch.position(start);
        ByteBuffer b = ByteBuffer.allocate((int) (size - start));
        while (b.hasRemaining() && ch.read(b) > 0) {
          // reads what was there when it was sized; later lines are not waited for
        }
        tail = java.util.Arrays.copyOf(b.array(), b.position());
      }
      ArrayDeque<String> lines = new ArrayDeque<>();
      long overLong;
      try (BoundedLines in =
          new BoundedLines(
              new InputStreamReader(new ByteArrayInputStream(tail), StandardCharsets.ISO_8859_1),
              BoundedLines.MAX_LINE)) {
        String line;
        boolean first = start > 0; // the window starts inside a line: drop its end
        while ((line = in.next()) != null) {
          if (first) {
            first = false;
            continue;
          }
          lines.addLast(line);
          if (lines.size() > TAIL_LINES) lines.removeFirst();
        }
        overLong = in.overLong();
      }
      for (String line : lines) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
        sha.update(bytes);
        zip.write(bytes);
        n += bytes.length;
      }
      note =
          "the last "
              + lines.size()
              + " lines"
              + (start > 0 ? " of its last " + TAIL_BYTES + " bytes" : "")
              + (overLong > 0 ? ", " + overLong + " lines longer than 64 KiB left out" : "");
      counts.mailLog = lines.size() + " lines";
    } catch (IOException e) {
      state = "failed";
      note = PrivateFiles.reason(e);
      counts.mailLog = "failed (" + note + ")";
    }
    zip.closeEntry();
    return new Extra(Manifest.MAIL_LOG, state, n, Hashes.hex(sha.digest()), source, note);
  }
}
