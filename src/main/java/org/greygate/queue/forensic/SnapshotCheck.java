package org.greygate.queue.forensic;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.greygate.files.PrivateFiles;

/**
 * Verifies a snapshot: the manifest's own SHA-256 (given, or from {@code manifest.sha256} beside
 * it), then every archived byte against the manifest, and nothing in the archive the manifest does
 * not name. Each archived file is streamed: memory holds the manifest's names and hashes only.
 * Stateless.
 */
final class SnapshotCheck {
  private static final Pattern HASH_LINE =
      Pattern.compile("([0-9a-f]{64})  " + Pattern.quote(Manifest.FILE) + "\n?");
  private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

  private SnapshotCheck() {}

  /**
   * What differs, one line each (names escaped: safe on a terminal).
   *
   * @param files how many archived files matched
   */
  record Report(List<String> differences, long files) {}

  /**
   * @param expected the manifest's SHA-256 as the admin recorded it, or null to take it from {@code
   *     manifest.sha256}
   * @throws IllegalArgumentException for a directory that is no snapshot or a malformed hash
   */
  static Report verify(Path dir, String expected) throws IOException {
    if (expected != null && !HEX.matcher(expected).matches()) {
      throw new IllegalArgumentException(
          "--manifest-sha256: not a SHA-256 (64 hex digits): " + ManifestText.encode(expected));
    }
    if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": not a directory");
    List<String> differences = new ArrayList<>();
    Path manifest = dir.resolve(Manifest.FILE);
    if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(dir + ": no " + Manifest.FILE + " (not a snapshot)");
    }
    String from = "--manifest-sha256";
    if (expected == null) {
      from = Manifest.HASH_FILE;
      expected = storedHash(dir, differences);
    }
    Map<String, String> archived = new LinkedHashMap<>(); // archive name -> sha256
    Map<String, String> shown = new LinkedHashMap<>();
    String actual;
    try {
      actual =
          Manifest.read(
              manifest,
              r -> {
                if (r instanceof Manifest.Entry e && e.archived()) {
                  archived.put(e.archiveName(), e.sha256());
                  shown.put(e.archiveName(), e.shown());
                } else if (r instanceof Manifest.Extra x) {
                  archived.put(x.name(), x.sha256());
                  shown.put(x.name(), x.name());
                }
              });
    } catch (Manifest.Unreadable e) {
      differences.add(Manifest.FILE + ": unreadable: " + e.getMessage());
      return new Report(differences, 0);
    }
    if (expected != null && !expected.equalsIgnoreCase(actual)) {
      differences.add(
          Manifest.FILE
              + ": its SHA-256 is "
              + actual
              + ", "
              + from
              + " says "
              + expected.toLowerCase(java.util.Locale.ROOT)
              + ": the manifest was changed");
    }
    long matched = 0;
    Path archive = dir.resolve(Manifest.ARCHIVE);
    if (Files.isSymbolicLink(archive)) {
      differences.add(Manifest.ARCHIVE + ": a symbolic link, not read");
      return new Report(differences, 0);
    }
    try (ZipFile zip = new ZipFile(archive.toFile())) {
      byte[] buffer = new byte[64 * 1024];
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry z = all.nextElement();
        String name = z.getName();
        String want = archived.remove(name);
        String what = shown.getOrDefault(name, ManifestText.encode(name));
        if (want == null) {
          differences.add(what + ": in the archive, not in the manifest");
          continue;
        }
        MessageDigest sha = Hashes.sha256();
        try (InputStream in = zip.getInputStream(z)) {
          int r;
          while ((r = in.read(buffer)) > 0) sha.update(buffer, 0, r);
        } catch (IOException e) {
          differences.add(what + ": unreadable in the archive (" + PrivateFiles.reason(e) + ")");
          continue;
        }
        String got = Hashes.hex(sha.digest());
        if (!got.equals(want)) {
          differences.add(what + ": SHA-256 is " + got + ", the manifest says " + want);
        } else {
          matched++;
        }
      }
    } catch (NoSuchFileException e) {
      differences.add(Manifest.ARCHIVE + ": missing");
      return new Report(differences, matched);
    } catch (IOException e) {
      differences.add(Manifest.ARCHIVE + ": unreadable (" + PrivateFiles.reason(e) + ")");
      return new Report(differences, matched);
    }
    for (String name : archived.keySet()) {
      differences.add(shown.get(name) + ": in the manifest, missing from the archive");
    }
    return new Report(differences, matched);
  }

  private static String storedHash(Path dir, List<String> differences) throws IOException {
    Path file = dir.resolve(Manifest.HASH_FILE);
    byte[] b;
    try {
      b = PrivateFiles.readSmall(file, 200);
    } catch (NoSuchFileException e) {
      differences.add(
          Manifest.HASH_FILE
              + ": missing, and no --manifest-sha256 given: the manifest itself cannot be"
              + " checked");
      return null;
    } catch (IOException e) {
      differences.add(Manifest.HASH_FILE + ": unreadable (" + PrivateFiles.reason(e) + ")");
      return null;
    }
    Matcher m = HASH_LINE.matcher(new String(b, StandardCharsets.ISO_8859_1));
    if (!m.matches()) {
      differences.add(Manifest.HASH_FILE + ": not a line 'SHA256  " + Manifest.FILE + "'");
      return null;
    }
    return m.group(1);
  }
}
