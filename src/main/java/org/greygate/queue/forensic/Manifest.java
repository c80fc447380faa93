package org.greygate.queue.forensic;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.greygate.logline.BoundedLines;

/**
 * The manifest of a snapshot, one line a record, written and read here only. A line is a word
 * ({@code greygate-queue-snapshot}, {@code extra} or {@code entry}) then {@code NAME=VALUE} fields,
 * separated by one tab each, every value escaped by {@link ManifestText} (so a value never holds a
 * tab, a newline or a {@code %} unescaped); a field without a value is left out. Lines end with
 * {@code \n}. {@code parse(line(r)).equals(r)} for every record.
 */
final class Manifest {
  private Manifest() {}

  /** The manifest's file name in a snapshot directory. */
  static final String FILE = "manifest.txt";

  /** Beside it: its SHA-256, as {@code sha256sum} writes it (so {@code sha256sum -c} works). */
  static final String HASH_FILE = "manifest.sha256";

  /** The archive's file name. */
  static final String ARCHIVE = "queue.zip";

  /** The format's word and version, on the first line. */
  static final String WORD = "greygate-queue-snapshot";

  static final int VERSION = 1;

  /** The archive's entry holding {@code postqueue -j}'s output. */
  static final String POSTQUEUE = "postqueue.json";

  /** The archive's entry holding the mail log's tail. */
  static final String MAIL_LOG = "mail.log.tail";

  /** Where a spool file's bytes are in the archive: under this, at its escaped path. */
  static final String SPOOL_PREFIX = "spool/";

  /** One line of a manifest. */
  sealed interface Line permits Header, Extra, Entry {}

  /**
   * The first line.
   *
   * @param taken when the snapshot started (ISO-8601, UTC)
   * @param spool the queue directory copied
   */
  record Header(int version, String taken, String spool) implements Line {}

  /**
   * Something beside the spool's files, archived under {@code name}.
   *
   * @param state {@code ok}, {@code failed}, {@code absent}, ...: how getting it went
   * @param source where it came from (a command line, a file)
   * @param note what happened, in words; may be null
   */
  record Extra(String name, String state, long size, String sha256, String source, String note)
      implements Line {}

  /** What a spool file is. */
  enum Kind {
    FILE("file"),
    DIR("dir"),
    LINK("link"),
    FIFO("fifo"),
    CHAR_DEVICE("char-device"),
    BLOCK_DEVICE("block-device"),
    SOCKET("socket");

    final String word;

    Kind(String word) {
      this.word = word;
    }

    /** The kind of a {@code st_mode}. */
    static Kind ofMode(int mode) {
      return switch (mode & 0170000) {
        case 0100000 -> FILE;
        case 0040000 -> DIR;
        case 0120000 -> LINK;
        case 0010000 -> FIFO;
        case 0020000 -> CHAR_DEVICE;
        case 0060000 -> BLOCK_DEVICE;
        case 0140000 -> SOCKET;
        default -> throw new IllegalArgumentException("an unknown file type " + (mode & 0170000));
      };
    }

    static Kind of(String word) {
      for (Kind k : values()) if (k.word.equals(word)) return k;
      throw new IllegalArgumentException("an unknown kind '" + word + "'");
    }
  }

  /** What became of a spool file. */
  enum State {
    /** Its bytes are in the archive and it did not change while they were read. */
    COPIED("copied"),
    /**
     * Its bytes, as read, are in the archive, but it changed while they were read (Postfix at
     * work): the size, mtime or inode after reading differ from the listing's.
     */
    CHANGED("changed"),
    /** Gone between the listing and its reading (Postfix delivered or moved it). */
    VANISHED("vanished"),
    /** It could not be read (the note says why). */
    UNREADABLE("unreadable"),
    /** Recorded, never read: a directory, a link (its target text), a fifo, a device, a socket. */
    RECORDED("recorded");

    final String word;

    State(String word) {
      this.word = word;
    }

    static State of(String word) {
      for (State s : values()) if (s.word.equals(word)) return s;
      throw new IllegalArgumentException("an unknown state '" + word + "'");
    }
  }

  /**
   * A spool file.
   *
   * @param path its path under the spool, {@code /}-separated
   * @param size the bytes archived when archived, else its size as listed
   * @param sha256 the archived bytes' SHA-256 (hex), null when not archived
   * @param owner the owner's name (the number where it has none)
   * @param mode its permission bits, set-id and sticky bits included (not its type)
   * @param mtime its modification time as listed (ISO-8601)
   * @param target a link's target text, never followed; null for anything else
   * @param note what happened, in words; null when nothing to say
   */
  record Entry(
      String path,
      Kind kind,
      State state,
      long size,
      String sha256,
      int uid,
      int gid,
      String owner,
      String group,
      int mode,
      String mtime,
      String target,
      String note)
      implements Line {
    /** Whether its bytes are in the archive. */
    boolean archived() {
      return state == State.COPIED || state == State.CHANGED;
    }

    /** Its name in the archive. */
    String archiveName() {
      return SPOOL_PREFIX + ManifestText.encode(path);
    }

    /** Its path as printed: escaped, so safe on a terminal and on one line. */
    String shown() {
      return ManifestText.encode(path);
    }

    String modeText() {
      return String.format(Locale.ROOT, "%04o", mode);
    }
  }

  /** A record's line, without its {@code \n}. */
  static String line(Line record) {
    StringBuilder b = new StringBuilder(200);
    if (record instanceof Header h) {
      b.append(WORD);
      field(b, "version", Integer.toString(h.version()));
      field(b, "taken", h.taken());
      field(b, "spool", h.spool());
    } else if (record instanceof Extra x) {
      b.append("extra");
      field(b, "name", x.name());
      field(b, "state", x.state());
      field(b, "size", Long.toString(x.size()));
      field(b, "sha256", x.sha256());
      field(b, "source", x.source());
      field(b, "note", x.note());
    } else if (record instanceof Entry e) {
      b.append("entry");
      field(b, "path", e.path());
      field(b, "kind", e.kind().word);
      field(b, "state", e.state().word);
      field(b, "size", Long.toString(e.size()));
      field(b, "sha256", e.sha256());
      field(b, "uid", Integer.toString(e.uid()));
      field(b, "gid", Integer.toString(e.gid()));
      field(b, "owner", e.owner());
      field(b, "group", e.group());
      field(b, "mode", e.modeText());
      field(b, "mtime", e.mtime());
      field(b, "target", e.target());
      field(b, "note", e.note());
    }
    return b.toString();
  }

  private static void field(StringBuilder b, String name, String value) {
    if (value == null) return;
    b.append('\t').append(name).append('=').append(ManifestText.encode(value));
  }

  /**
   * Reads one line (without its {@code \n}).
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  static Line parse(String line) {
    String[] parts = line.split("\t", -1);
    Map<String, String> f = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("a field without a name: " + shown(parts[i]));
      String name = parts[i].substring(0, eq);
      if (f.put(name, ManifestText.decode(parts[i].substring(eq + 1))) != null) {
        throw new IllegalArgumentException("the field " + shown(name) + " twice");
      }
    }
    Line r =
        switch (parts[0]) {
          case WORD ->
              new Header((int) number(f, "version"), required(f, "taken"), required(f, "spool"));
          case "extra" ->
              new Extra(
                  required(f, "name"),
                  required(f, "state"),
                  number(f, "size"),
                  f.get("sha256"),
                  f.get("source"),
                  f.get("note"));
          case "entry" ->
              new Entry(
                  required(f, "path"),
                  Kind.of(required(f, "kind")),
                  State.of(required(f, "state")),
                  number(f, "size"),
                  f.get("sha256"),
                  (int) number(f, "uid"),
                  (int) number(f, "gid"),
                  required(f, "owner"),
                  required(f, "group"),
                  mode(required(f, "mode")),
                  required(f, "mtime"),
                  f.get("target"),
                  f.get("note"));
          default -> throw new IllegalArgumentException("an unknown record " + shown(parts[0]));
        };
    // every field read was one the record has: a line that would not be written back is refused
    if (!line(r).equals(line)) {
      throw new IllegalArgumentException("fields out of order or unknown");
    }
    return r;
  }

  private static String required(Map<String, String> f, String name) {
    String v = f.get(name);
    if (v == null) throw new IllegalArgumentException("no " + name);
    return v;
  }

  private static long number(Map<String, String> f, String name) {
    String v = required(f, name);
    if (!v.matches("-?[0-9]{1,19}")) {
      throw new IllegalArgumentException(name + " is not a number: " + shown(v));
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + shown(v));
    }
  }

  private static int mode(String v) {
    if (!v.matches("[0-7]{4}")) throw new IllegalArgumentException("mode is not octal: " + v);
    return Integer.parseInt(v, 8);
  }

  private static String shown(String s) {
    String e = ManifestText.encode(s);
    return e.length() > 80 ? e.substring(0, 80) + "..." : e;
  }

  /** Thrown for a manifest that cannot be read back: the line and what is wrong. */
  static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message);
    }
  }

  /**
   * Reads a manifest, a record at a time, without following a link at {@code file}.
   *
   * @return the SHA-256 of its bytes (hex)
   * @throws Unreadable naming the first line that is not one {@link #line} writes
   */
  static String read(Path file, Consumer<Line> each) throws IOException, Unreadable {
    MessageDigest sha = Hashes.sha256();
    try (InputStream raw =
            Channels.newInputStream(
                Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        BoundedLines lines =
            new BoundedLines(
                new InputStreamReader(new DigestInputStream(raw, sha), StandardCharsets.ISO_8859_1),
                BoundedLines.MAX_LINE)) {
      long n = 0;
      String line;
      while ((line = lines.next()) != null) {
        n++;
        if (lines.overLong() > 0) throw new Unreadable(file + ": a line too long before line " + n);
        try {
          Line r = parse(line);
          if (n == 1 && !(r instanceof Header)) throw new IllegalArgumentException("no header");
          if (r instanceof Header h && (n != 1 || h.version() != VERSION)) {
            throw new IllegalArgumentException("a header of version " + h.version());
          }
          each.accept(r);
        } catch (IllegalArgumentException e) {
          throw new Unreadable(file + ": line " + n + ": " + e.getMessage());
        }
      }
      if (lines.overLong() > 0) throw new Unreadable(file + ": a line too long at its end");
      if (n == 0) throw new Unreadable(file + ": empty");
    }
    return Hashes.hex(sha.digest());
  }
}
