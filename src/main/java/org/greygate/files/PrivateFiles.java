package org.greygate.files;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Creating, replacing and opening files so that a link or a file planted by another user is never
 * followed, truncated or chmod-ed by greygate, even when root runs it.
 *
 * <p>The attack this stops: the database directory belongs to the daemon's user, so that user (or
 * whoever took over the daemon) can replace {@code lock.mdb} by a link to {@code /etc/shadow}, or
 * put a link at the temporary name a root command is about to write. Links are refused, files are
 * created with {@code O_EXCL} at random names, and permissions are set without following links.
 * Thread-safe: stateless.
 */
public final class PrivateFiles {
  private static final Set<PosixFilePermission> OWNER_RW =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_RWX =
      PosixFilePermissions.fromString("rwx------");
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private PrivateFiles() {}

  /** The process's effective user id (the launcher may have switched it from root). */
  public static long processUid() {
    return new UnixSystem().getUid();
  }

  /** The owner's numeric id of {@code path} itself (a link's own, never its target's). */
  public static int ownerUid(Path path) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:uid", NOFOLLOW);
  }

  /** The name of a numeric user id, or the number where it has no name. */
  public static String nameOf(long uid) {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
        String[] f = line.split(":", 4);
        if (f.length > 2 && f[2].equals(Long.toString(uid))) return f[0];
      }
    } catch (IOException e) {
      // no name to give
    }
    return Long.toString(uid);
  }

  /**
   * Checks a state directory before greygate works in it: a real directory (not a link), and not
   * someone else's when root asks (root following what that user planted is the attack; the
   * launcher switches root's commands to the directory's owner, and a process started otherwise is
   * told to do so).
   *
   * @return the directory owner's uid, which every file greygate opens in it must have
   * @throws UnsafeFileException with the reason, naming the directory
   * @throws NoSuchFileException when it does not exist
   */
  public static int requireStateDirectory(Path dir) throws IOException {
    PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, NOFOLLOW);
    if (a.isSymbolicLink()) {
      // the path root was given may be a link root made; its target is checked the same way
      Path target = dir.toRealPath();
      a = Files.readAttributes(target, PosixFileAttributes.class, NOFOLLOW);
      if (ownerUid(dir) != 0 && ownerUid(dir) != ownerUid(target)) {
        throw new UnsafeFileException(
            dir + " is a symbolic link owned by " + a.owner().getName() + ": refusing it");
      }
    }
    if (!a.isDirectory()) {
      throw new UnsafeFileException(dir + " is not a directory");
    }
    int owner = ownerUid(dir.toRealPath());
    long self = processUid();
    if (self == 0 && owner != 0) {
      String name = nameOf(owner);
      throw new UnsafeFileException(
          dir
              + " belongs to "
              + name
              + ": run this as "
              + name
              + " (greygate's launcher, /usr/bin/greygate or bin/greygate, switches to the"
              + " directory's owner by itself when root starts it), not as root");
    }
    return owner;
  }

  /**
   * Checks a file greygate is about to open in a state directory, when it exists: a regular file
   * (not a link, fifo or device), owned by {@code ownerUid}, with no other hard link.
   *
   * @throws UnsafeFileException with the reason, naming the file
   */
  public static void requireOwnFileIfPresent(Path file, int ownerUid) throws IOException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(file, "unix:mode,uid,nlink", NOFOLLOW);
    } catch (NoSuchFileException absent) {
      return;
    }
    int mode = (Integer) a.get("mode");
    int type = mode & 0170000;
    if (type != 0100000) {
      throw new UnsafeFileException(
          file + " is " + kind(type) + ", not a regular file: refusing it");
    }
    int uid = (Integer) a.get("uid");
    if (uid != ownerUid) {
      throw new UnsafeFileException(
          file + " belongs to " + nameOf(uid) + ", not to " + nameOf(ownerUid) + ": refusing it");
    }
    if ((Integer) a.get("nlink") != 1) {
      throw new UnsafeFileException(file + " has other hard links: refusing it");
    }
  }

  private static String kind(int type) {
    return switch (type) {
      case 0120000 -> "a symbolic link";
      case 0040000 -> "a directory";
      case 0010000 -> "a fifo";
      case 0020000, 0060000 -> "a device";
      case 0140000 -> "a socket";
      default -> "not a regular file";
    };
  }

  /**
   * Creates {@code dir} (and missing parents) owner-only whatever the umask; an existing directory
   * is left as it is.
   */
  public static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir, NOFOLLOW)) return;
    Path parent = dir.toAbsolutePath().getParent();
    if (parent != null && !Files.exists(parent)) createPrivateDirectories(parent);
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
    } catch (FileAlreadyExistsException raced) {
      if (!Files.isDirectory(dir, NOFOLLOW)) throw raced;
      return;
    }
    // the umask may have taken bits off (or left them): exactly 0700
    Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW)
        .setPermissions(OWNER_RWX);
  }

  /**
   * A new empty file in {@code dir}, created with {@code O_EXCL} at a random name starting with
   * {@code prefix}, readable and writable by its owner only.
   */
  public static Path createTemp(Path dir, String prefix) throws IOException {
    FileAttribute<Set<PosixFilePermission>> rw = PosixFilePermissions.asFileAttribute(OWNER_RW);
    Path tmp = Files.createTempFile(dir, prefix, ".tmp", rw);
    ownerOnly(tmp);
    return tmp;
  }

  /**
   * Replaces {@code target} with {@code content}, atomically: written to a new random name beside
   * it, synced, then renamed over it (a link at {@code target} is replaced, never followed). The
   * file is its owner's alone.
   */
  public static void replace(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = createTemp(dir, "." + target.getFileName() + ".");
    try {
      Files.write(tmp, content, StandardOpenOption.WRITE, StandardOpenOption.SYNC, NOFOLLOW);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty output file beside {@code target} (a report for a web server), created with {@code
   * O_EXCL} at a random name, so that a link planted in a directory others can write is never
   * followed. Its mode is what the umask gives any new file, or {@code target}'s own when that
   * exists; rename it over {@code target} once it is complete.
   */
  public static Path createOutputBeside(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    for (int attempt = 0; ; attempt++) {
      Path tmp =
          dir.resolve("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()));
      try {
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
      } catch (FileAlreadyExistsException taken) {
        if (attempt < 8) continue;
        throw taken;
      }
      try {
        Set<PosixFilePermission> old = Files.getPosixFilePermissions(target, NOFOLLOW);
        Files.getFileAttributeView(tmp, PosixFileAttributeView.class, NOFOLLOW).setPermissions(old);
      } catch (NoSuchFileException none) {
        // a new report: the umask's mode
      }
      return tmp;
    }
  }

  /** Makes {@code file} readable and writable by its owner only, without following a link. */
  public static void ownerOnly(Path file) throws IOException {
    try {
      Files.getFileAttributeView(file, PosixFileAttributeView.class, NOFOLLOW)
          .setPermissions(OWNER_RW);
    } catch (IOException e) {
      if (Files.isSymbolicLink(file)) {
        throw new UnsafeFileException(file + " is a symbolic link: refusing it");
      }
      throw e;
    }
  }

  /**
   * Reads a small file without following a link, at most {@code max} bytes. Anything but a regular
   * file is refused before it is opened: opening a fifo would wait for a writer for ever.
   *
   * @throws UnsafeFileException when it is a link, not a regular file, or larger than {@code max}
   */
  public static byte[] readSmall(Path file, int max) throws IOException {
    if (Files.readAttributes(file, "unix:mode", NOFOLLOW).get("mode") instanceof Integer mode
        && (mode & 0170000) != 0100000
        && (mode & 0170000) != 0120000) { // a link is refused below, in its own words
      throw new UnsafeFileException(
          file + " is " + kind(mode & 0170000) + ", not a regular file: refusing it");
    }
    try (InputStream in =
        Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ, NOFOLLOW))) {
      byte[] b = in.readNBytes(max + 1);
      if (b.length > max) {
        throw new UnsafeFileException(file + " is larger than " + max + " bytes: refusing it");
      }
      return b;
    } catch (IOException e) {
      if (!(e instanceof UnsafeFileException) && Files.isSymbolicLink(file)) {
        throw new UnsafeFileException(file + " is a symbolic link: refusing it");
      }
      throw e;
    }
  }

  /** The reason for an I/O failure in words, for a one-line message. */
  public static String reason(IOException e) {
    if (e instanceof UnsafeFileException) return e.getMessage();
    if (e instanceof NoSuchFileException) return "no such file or directory";
    if (e instanceof AccessDeniedException) {
      return "permission denied (running as " + nameOf(processUid()) + ")";
    }
    if (e instanceof FileAlreadyExistsException) return "already exists";
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason(); // the system's words ("Read-only file system"), without the path again
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
