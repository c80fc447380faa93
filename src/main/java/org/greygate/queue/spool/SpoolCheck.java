package org.greygate.queue.spool;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One look at the spool, without watching: its directories ({@code postfix check}'s rules) and
 * every file of the watched queues. What {@code greygate queue check-perms} prints and what the
 * watch checks at start.
 */
final class SpoolCheck {
  private SpoolCheck() {}

  /** The queue directory and those Postfix keeps in it, present ones only. */
  static List<Finding> directories(SpoolConfig c) {
    List<Finding> out = new ArrayList<>();
    Path root = c.root();
    SpoolRules.Facts top = facts(root, null, root);
    if (top != null) {
      out.addAll(SpoolRules.directory(".", null, top.mode(), top.owner(), top.group(), c));
    }
    for (Map.Entry<String, SpoolRules.Expected> e :
        new TreeMap<>(SpoolRules.DIRECTORIES).entrySet()) {
      SpoolRules.Facts f = facts(root, null, root.resolve(e.getKey()));
      if (f != null) {
        out.addAll(
            SpoolRules.directory(e.getKey(), e.getValue(), f.mode(), f.owner(), f.group(), c));
      }
    }
    return out;
  }

  /** Directories, then every file of every watched queue (hash directories included). */
  static List<Finding> all(SpoolConfig c, long now) throws IOException {
    List<Finding> out = new ArrayList<>(directories(c));
    for (String q : SpoolRules.WATCHED) {
      Path dir = c.root().resolve(q);
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
      inQueue(c, q, dir, 0, now, out);
    }
    return out;
  }

  /** A queue's files, and its hash directories' down to {@link SpoolRules#MAX_HASH_DEPTH}. */
  private static void inQueue(
      SpoolConfig c, String q, Path dir, int depth, long now, List<Finding> out)
      throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        SpoolRules.Facts f = facts(c.root(), q, p);
        if (f == null) continue;
        if (SpoolRules.hashDirectory(f, depth)) {
          out.addAll(
              SpoolRules.directory(
                  f.file(), SpoolRules.hashDirectory(), f.mode(), f.owner(), f.group(), c));
          inQueue(c, q, p, depth + 1, now, out);
        } else {
          out.addAll(SpoolRules.file(f, c, now));
        }
      }
    }
  }

  /**
   * lstat of {@code path} (never following a link), or null when it is gone or cannot be read.
   *
   * @param queue the queue it is in, or null for a directory of the spool
   */
  static SpoolRules.Facts facts(Path root, String queue, Path path) {
    Map<String, Object> a;
    try {
      a =
          Files.readAttributes(
              path, "unix:mode,ino,owner,group,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(SpoolCheck.class)
          .warn("spool: cannot read {}: {}", path, e.toString());
      return null;
    }
    Path rel = root.relativize(path);
    return new SpoolRules.Facts(
        queue,
        rel.toString().isEmpty() ? "." : rel.toString(),
        path.getFileName() == null ? "" : path.getFileName().toString(),
        (Integer) a.get("mode"),
        (Long) a.get("ino"),
        ((UserPrincipal) a.get("owner")).getName(),
        ((GroupPrincipal) a.get("group")).getName(),
        (Long) a.get("size"),
        ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.SECONDS));
  }
}
