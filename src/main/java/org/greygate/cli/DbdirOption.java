package org.greygate.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.greygate.files.PrivateFiles;
import picocli.CommandLine.Option;

/** {@code --dbdir}, for the commands that read or change the database beside the daemon. */
final class DbdirOption {
  @Option(
      names = "--dbdir",
      paramLabel = "PATH",
      description = "Database directory (default: ${DEFAULT-VALUE}).")
  Path dbdir = org.greygate.store.StoreSettings.DBDIR.defaultValue();

  /** {@link #requireDatabase(Path, boolean)} of this option's directory; none yet is a failure. */
  void requireDatabase() {
    requireDatabase(dbdir, false);
  }

  /**
   * Checks that {@code dbdir} holds a database this user may open, before anything opens it, so
   * that every command says the same thing in words, with README's exit code: a path that names no
   * directory is a bad value (exit 2: "no such directory", "not a directory"); a directory this
   * user may not read, or one holding no database yet, is a failure (exit 1).
   *
   * @param noneYet whether a directory without a database is fine (check answers as a daemon that
   *     has not written yet would)
   * @return whether it holds a database ({@code false} only when {@code noneYet})
   * @throws GreygateCli.UsageError when the path is no directory
   * @throws GreygateCli.Failure when the database cannot be read, or there is none
   */
  static boolean requireDatabase(Path dbdir, boolean noneYet) {
    String name = "--dbdir " + dbdir;
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(dbdir, BasicFileAttributes.class); // a link to it is fine
    } catch (AccessDeniedException e) {
      throw new GreygateCli.Failure(name + ": " + denied(null));
    } catch (IOException e) {
      Path notDir = fileOnTheWay(dbdir);
      if (notDir != null) {
        throw new GreygateCli.UsageError(
            name + ": no such directory (" + notDir + " is not a directory)");
      }
      if (e instanceof NoSuchFileException) {
        throw new GreygateCli.UsageError(name + ": no such directory");
      }
      throw new GreygateCli.Failure(name + ": " + PrivateFiles.reason(e));
    }
    if (!a.isDirectory()) {
      throw new GreygateCli.UsageError(name + ": not a directory");
    }
    Path data = dbdir.resolve("data.mdb");
    BasicFileAttributes d;
    try {
      d = Files.readAttributes(data, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      if (noneYet) return false;
      throw new GreygateCli.Failure(
          name + " holds no greygate database yet (no data.mdb: has greygate serve run with it?)");
    } catch (AccessDeniedException e) {
      throw new GreygateCli.Failure(name + ": " + denied("the directory is " + owner(dbdir)));
    } catch (IOException e) {
      throw new GreygateCli.Failure(name + ": " + PrivateFiles.reason(e));
    }
    // access is asked of regular files only: a link, which access(2) would follow, is refused
    // with its reason when the store opens the directory
    if (d.isRegularFile() && !Files.isReadable(data)) {
      throw new GreygateCli.Failure(name + ": " + denied("data.mdb is " + owner(data)));
    }
    // LMDB opens its lock file for writing, even to read
    Path lock = dbdir.resolve("lock.mdb");
    if (Files.isRegularFile(lock, LinkOption.NOFOLLOW_LINKS) && !Files.isWritable(lock)) {
      throw new GreygateCli.Failure(name + ": " + denied("lock.mdb is " + owner(lock)));
    }
    return true;
  }

  /** "permission denied (running as alice; the directory is greygate's)". */
  private static String denied(String whose) {
    String user = PrivateFiles.nameOf(PrivateFiles.processUid());
    return "permission denied (running as " + user + (whose == null ? "" : "; " + whose) + ")";
  }

  private static String owner(Path p) {
    try {
      return Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName() + "'s";
    } catch (IOException | UnsupportedOperationException e) {
      return "another user's";
    }
  }

  /** The nearest existing ancestor of {@code path} when it is not a directory, else null. */
  private static Path fileOnTheWay(Path path) {
    for (Path p = path.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      if (Files.exists(p)) return Files.isDirectory(p) ? null : p;
    }
    return null;
  }
}
