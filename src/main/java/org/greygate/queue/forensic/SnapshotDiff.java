package org.greygate.queue.forensic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import org.greygate.queue.forensic.Manifest.Entry;

/**
 * What changed in the spool between two snapshots, from their manifests: files added, removed and
 * changed (kind, content, size, owner, group, mode, link target). The mtime alone is not a change
 * (Postfix touches files it works on). Holds both manifests' entries (a few hundred bytes each).
 * Stateless.
 */
final class SnapshotDiff {
  private SnapshotDiff() {}

  /**
   * One line for each difference, in the order of the paths; paths escaped.
   *
   * @throws IllegalArgumentException when either directory holds no manifest
   * @throws Manifest.Unreadable when a manifest cannot be read back
   */
  static List<String> diff(Path older, Path newer) throws IOException, Manifest.Unreadable {
    TreeMap<String, Entry> a = entries(older);
    TreeMap<String, Entry> b = entries(newer);
    List<String> out = new ArrayList<>();
    TreeMap<String, Boolean> paths = new TreeMap<>();
    a.keySet().forEach(p -> paths.put(p, true));
    b.keySet().forEach(p -> paths.put(p, true));
    for (String p : paths.keySet()) {
      Entry x = a.get(p);
      Entry y = b.get(p);
      if (x == null) {
        out.add("added    " + y.shown() + "  (" + what(y) + ")");
      } else if (y == null) {
        out.add("removed  " + x.shown() + "  (" + what(x) + ")");
      } else {
        List<String> changed = changes(x, y);
        if (!changed.isEmpty()) {
          out.add("changed  " + x.shown() + ": " + String.join(", ", changed));
        }
      }
    }
    return out;
  }

  private static List<String> changes(Entry x, Entry y) {
    List<String> c = new ArrayList<>();
    if (x.kind() != y.kind()) c.add("kind " + x.kind().word + " -> " + y.kind().word);
    if (x.archived() && y.archived() && !x.sha256().equals(y.sha256())) {
      c.add(
          "sha256 "
              + x.sha256().substring(0, 12)
              + "... -> "
              + y.sha256().substring(0, 12)
              + "...");
    }
    if (x.size() != y.size()) c.add("size " + x.size() + " -> " + y.size());
    if (x.uid() != y.uid() || !x.owner().equals(y.owner())) {
      c.add("owner " + id(x.owner(), x.uid()) + " -> " + id(y.owner(), y.uid()));
    }
    if (x.gid() != y.gid() || !x.group().equals(y.group())) {
      c.add("group " + id(x.group(), x.gid()) + " -> " + id(y.group(), y.gid()));
    }
    if (x.mode() != y.mode()) c.add("mode " + x.modeText() + " -> " + y.modeText());
    if (!Objects.equals(x.target(), y.target())) {
      c.add("target " + shown(x.target()) + " -> " + shown(y.target()));
    }
    return c;
  }

  private static String id(String name, int id) {
    return ManifestText.encode(name) + "(" + id + ")";
  }

  private static String shown(String s) {
    return s == null ? "-" : ManifestText.encode(s);
  }

  private static String what(Entry e) {
    return e.kind().word
        + (e.kind() == Manifest.Kind.FILE ? ", " + e.size() + " bytes" : "")
        + (e.target() == null ? "" : " -> " + ManifestText.encode(e.target()));
  }

  private static TreeMap<String, Entry> entries(Path dir) throws IOException, Manifest.Unreadable {
    Path file = dir.resolve(Manifest.FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + ": no " + Manifest.FILE + " (not a snapshot)");
    }
    TreeMap<String, Entry> out = new TreeMap<>();
    Manifest.read(
        file,
        r -> {
          if (r instanceof Entry e) out.put(e.path(), e);
        });
    return out;
  }
}
