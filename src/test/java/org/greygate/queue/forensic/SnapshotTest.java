package org.greygate.queue.forensic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.greygate.queue.forensic.Manifest.Entry;
import org.greygate.queue.forensic.Manifest.Extra;
import org.greygate.queue.forensic.Manifest.Kind;
import org.greygate.queue.forensic.Manifest.State;
import org.greygate.testing.Cli;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate queue snapshot|verify|diff} against a spool built like Postfix's in a temporary
 * directory, through the command line, hostile cases first: links planted in the spool, fifos,
 * files that vanish or change while copied (Postfix at work), a file larger than the heap, names
 * with control characters, an archive or manifest changed afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SnapshotTest {
  static final String SECRET = "root:$6$the-shadow-file-content:19000:0:99999:7:::";

  @TempDir Path tmp;
  Path spool;
  Path log;
  Path postqueue;

  @BeforeEach
  void spool() throws Exception {
    spool = tmp.resolve("spool");
    for (String d : List.of("active", "incoming", "hold", "deferred/6", "defer/6", "maildrop")) {
      Files.createDirectories(spool.resolve(d));
    }
    assertEquals(
        0,
        new ProcessBuilder("chmod", "1730", spool.resolve("maildrop").toString())
            .start()
            .waitFor());
    file("deferred/6/63CCE199", "T1764820000 0\nSsender@example.org\nRrcpt@example.net\n");
    file("active/7A1B2C3D4E", "Ranother@example.net\n");
    file("hold/4F5E6D7C8B", "held message\n");
    Files.setPosixFilePermissions(spool.resolve("hold/4F5E6D7C8B"), perms("rwx------"));
    log = tmp.resolve("mail.log");
    Files.writeString(log, "Dec  7 01:00:00 mx postfix/qmgr[1]: 63CCE199: removed\n");
    postqueue = tmp.resolve("postqueue");
    Files.writeString(
        postqueue,
        "#!/bin/sh\n"
            + "[ \"$1\" = -j ] || { echo 'usage: postqueue -j' >&2; exit 64; }\n"
            + "echo '{\"queue_name\": \"deferred\", \"queue_id\": \"63CCE199\"}'\n");
    Files.setPosixFilePermissions(postqueue, perms("rwxr-xr-x"));
  }

  static java.util.Set<java.nio.file.attribute.PosixFilePermission> perms(String p) {
    return PosixFilePermissions.fromString(p);
  }

  Path file(String path, String content) throws IOException {
    Path f = spool.resolve(path);
    Files.writeString(f, content);
    return f;
  }

  Cli cli;

  int snapshot(Path out, String... extra) {
    cli = new Cli();
    List<String> args =
        new ArrayList<>(
            List.of(
                "queue",
                "snapshot",
                "--out=" + out,
                "--spool=" + spool,
                "--mail-log=" + log,
                "--postqueue=" + postqueue));
    for (String x : extra) {
      args.removeIf(a -> a.startsWith(x.substring(0, x.indexOf('=') + 1)));
      args.add(x);
    }
    int code = cli.run(args.toArray(String[]::new));
    if (code == 2) System.err.println(cli.err);
    return code;
  }

  int verify(Path dir, String... extra) {
    cli = new Cli();
    List<String> args = new ArrayList<>(List.of("queue", "verify", dir.toString()));
    args.addAll(List.of(extra));
    return cli.run(args.toArray(String[]::new));
  }

  int diff(Path older, Path newer) {
    cli = new Cli();
    return cli.run("queue", "diff", "--from=" + older, newer.toString());
  }

  /** The manifest's records by path (extras by name). */
  static Map<String, Manifest.Line> manifest(Path dir) throws Exception {
    Map<String, Manifest.Line> out = new TreeMap<>();
    Manifest.read(
        dir.resolve(Manifest.FILE),
        r -> {
          if (r instanceof Entry e) out.put(e.path(), e);
          if (r instanceof Extra x) out.put(x.name(), x);
        });
    return out;
  }

  static Entry entry(Path dir, String path) throws Exception {
    return (Entry) manifest(dir).get(path);
  }

  /** Every archived entry's bytes. */
  static Map<String, byte[]> archive(Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (ZipFile z = new ZipFile(dir.resolve(Manifest.ARCHIVE).toFile())) {
      Enumeration<? extends ZipEntry> all = z.entries();
      while (all.hasMoreElements()) {
        ZipEntry e = all.nextElement();
        try (InputStream in = z.getInputStream(e)) {
          out.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  String sha256(byte[] b) throws Exception {
    return Hashes.hex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** Everything about the spool that a snapshot must leave as it was. */
  Map<String, String> state() throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(spool)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Map<String, Object> a =
            Files.readAttributes(
                p, "unix:mode,uid,ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
        String content =
            Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                ? sha256(Files.readAllBytes(p))
                : Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : "";
        out.put(spool.relativize(p).toString(), a.toString() + " " + content);
      }
    }
    return out;
  }

  // --- hostile cases

  @Test
  void aLinkPlantedInTheSpoolIsRecordedWithItsTargetNeverRead() throws Exception {
    Path secret = tmp.resolve("shadow");
    Files.writeString(secret, SECRET);
    Files.createSymbolicLink(spool.resolve("deferred/6/ABCDEF0123"), Path.of("/etc/shadow"));
    Files.createSymbolicLink(spool.resolve("active/SECRET1"), secret);
    Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.writeString(outside.resolve("loot"), SECRET);
    Files.createSymbolicLink(spool.resolve("incoming/dir-link"), outside);
    Path out = tmp.resolve("snap");

    assertEquals(0, snapshot(out), cli.err.toString());

    Entry shadow = entry(out, "deferred/6/ABCDEF0123");
    assertEquals(Kind.LINK, shadow.kind());
    assertEquals(State.RECORDED, shadow.state());
    assertEquals("/etc/shadow", shadow.target());
    assertNull(shadow.sha256());
    assertEquals(secret.toString(), entry(out, "active/SECRET1").target());
    assertEquals(Kind.LINK, entry(out, "incoming/dir-link").kind());
    assertNull(entry(out, "incoming/dir-link/loot"), "a linked directory was walked");
    Map<String, byte[]> archived = archive(out);
    for (Map.Entry<String, byte[]> e : archived.entrySet()) {
      String s = new String(e.getValue(), StandardCharsets.ISO_8859_1);
      assertFalse(s.contains("shadow-file-content"), e.getKey() + " holds a link's target");
      assertFalse(s.startsWith("root:"), e.getKey() + " holds /etc/shadow");
    }
    assertFalse(archived.containsKey("spool/deferred/6/ABCDEF0123"));
    assertEquals(0, verify(out), cli.out.toString());
  }

  @Test
  void aFifoIsRecordedNeverOpened() throws Exception {
    Path fifo = spool.resolve("active/FIFO0001");
    mkfifo(fifo);
    Path out = tmp.resolve("snap");

    assertEquals(0, snapshot(out), cli.err.toString()); // an open would block here for ever

    Entry e = entry(out, "active/FIFO0001");
    assertEquals(Kind.FIFO, e.kind());
    assertEquals(State.RECORDED, e.state());
    assertFalse(archive(out).containsKey("spool/active/FIFO0001"));
  }

  @Test
  void aFileSwappedForAFifoAfterTheListingIsAbandonedInBoundedTime() throws Exception {
    Path victim = spool.resolve("active/7A1B2C3D4E");
    Path out = tmp.resolve("snap");
    SnapshotTaker.Hook swap =
        f -> {
          if (f.equals(victim)) {
            Files.delete(f);
            mkfifo(f);
          }
        };
    long t0 = System.nanoTime();
    SnapshotTaker.Result r = take(out, swap, Duration.ofSeconds(1));
    assertTrue(System.nanoTime() - t0 < 20_000_000_000L);

    Entry e = entry(out, "active/7A1B2C3D4E");
    assertEquals(State.UNREADABLE, e.state());
    assertTrue(e.note().contains("fifo"), e.note());
    assertEquals(State.COPIED, entry(out, "deferred/6/63CCE199").state(), "the walk went on");
    assertEquals(1, r.counts().unreadable);
    // let the abandoned open finish (a writer arrives): it is closed, nothing is read
    Files.newOutputStream(victim, StandardOpenOption.WRITE).close();
  }

  @Test
  void aFileDeletedBeforeItIsReadIsRecordedAsVanishedAndTheSnapshotGoesOn() throws Exception {
    Path victim = spool.resolve("active/7A1B2C3D4E");
    Path out = tmp.resolve("snap");
    SnapshotTaker.Result r =
        take(
            out,
            f -> {
              if (f.equals(victim)) Files.delete(f); // delivered: Postfix removed it
            },
            Duration.ofSeconds(5));

    Entry e = entry(out, "active/7A1B2C3D4E");
    assertEquals(State.VANISHED, e.state());
    assertNull(e.sha256());
    assertEquals(1, r.counts().vanished);
    assertEquals(State.COPIED, entry(out, "hold/4F5E6D7C8B").state());
    assertEquals(0, verify(out), cli.out.toString());
  }

  @Test
  void aFileChangedWhileCopiedIsRecordedAsChangedWithTheBytesRead() throws Exception {
    Path victim = spool.resolve("deferred/6/63CCE199");
    Path out = tmp.resolve("snap");
    take(
        out,
        f -> {
          if (f.equals(victim)) {
            Files.writeString(victim, "Dnew@example.net\n", StandardOpenOption.APPEND);
          }
        },
        Duration.ofSeconds(5));

    Entry e = entry(out, "deferred/6/63CCE199");
    assertEquals(State.CHANGED, e.state());
    assertTrue(e.note().contains("size"), e.note());
    byte[] read = archive(out).get("spool/deferred/6/63CCE199");
    assertArrayEquals(Files.readAllBytes(victim), read);
    assertEquals(sha256(read), e.sha256());
    assertEquals(read.length, e.size());
    assertEquals(0, verify(out), cli.out.toString());
  }

  @Test
  void aFileLargerThanTheHeapIsStreamed() throws Exception {
    long size = Runtime.getRuntime().maxMemory() + (64L << 20);
    Path huge = spool.resolve("incoming/HUGE");
    try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
      f.setLength(size); // sparse: costs no disk
      f.seek(size - 5);
      f.write("tail\n".getBytes(StandardCharsets.US_ASCII));
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(huge)) {
      byte[] b = new byte[1 << 20];
      int n;
      while ((n = in.read(b)) > 0) sha.update(b, 0, n);
    }
    Path out = tmp.resolve("snap");

    assertEquals(0, snapshot(out), cli.err.toString());

    Entry e = entry(out, "incoming/HUGE");
    assertEquals(State.COPIED, e.state());
    assertEquals(size, e.size());
    assertEquals(Hashes.hex(sha.digest()), e.sha256());
    assertEquals(0, verify(out), cli.out.toString());
  }

  @Test
  void namesWithNewlinesAndControlCharactersAreEscapedAndReadBackExactly() throws Exception {
    String evil = "EVIL\nentry\tpath=FAKE\tkind=file\u001b[2J\r";
    file("hold/" + evil, "evil content\n");
    Path out = tmp.resolve("snap");

    assertEquals(0, snapshot(out), cli.err.toString());

    Entry e = entry(out, "hold/" + evil);
    assertNotNull(e, manifest(out).keySet().toString());
    assertEquals(State.COPIED, e.state());
    assertNull(entry(out, "FAKE"));
    byte[] raw = Files.readAllBytes(out.resolve(Manifest.FILE));
    for (byte b : raw) {
      assertTrue(b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7f), "raw byte " + b);
    }
    long lines = new String(raw, StandardCharsets.US_ASCII).lines().count();
    assertEquals(manifest(out).size() + 1, lines, "one line a record (and the header)");
    assertArrayEquals(
        "evil content\n".getBytes(StandardCharsets.US_ASCII), archive(out).get(e.archiveName()));
    assertEquals(0, verify(out), cli.out.toString());
  }

  @Test
  void aTamperedArchiveByteFailsVerifyNamingTheFile() throws Exception {
    byte[] evidence = new byte[20_000];
    new java.util.Random(25).nextBytes(evidence); // incompressible: the archive holds it as is
    Files.write(spool.resolve("hold/4F5E6D7C8B"), evidence);
    Path out = tmp.resolve("snap");
    assertEquals(0, snapshot(out), cli.err.toString());
    assertEquals(0, verify(out), cli.out.toString());

    Path zip = out.resolve(Manifest.ARCHIVE);
    byte[] b = Files.readAllBytes(zip);
    byte[] name = "spool/hold/4F5E6D7C8B".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(b, name) + name.length + 10_000; // into the entry's bytes
    b[at] ^= 0x01;
    Files.write(zip, b);

    assertEquals(1, verify(out));
    String said = cli.out.toString();
    assertTrue(said.contains("hold/4F5E6D7C8B"), said);
    assertTrue(said.contains("NOT verified"), said);
    assertFalse(said.contains("deferred/6/63CCE199"), "only the changed file is named: " + said);
  }

  @Test
  void aTamperedManifestFailsVerifyOnItsHash() throws Exception {
    Path out = tmp.resolve("snap");
    assertEquals(0, snapshot(out), cli.err.toString());
    String recorded = cli.out.toString().substring(0, 64);

    // the evidence of a held message is made to look like an ordinary file's mode
    Path m = out.resolve(Manifest.FILE);
    String text = Files.readString(m);
    String changed =
        text.replace("path=hold/4F5E6D7C8B\tkind=file", "path=hold/4F5E6D7C8B\tkind=file")
            .replaceFirst("(path=hold/4F5E6D7C8B[^\n]*mode=)0700", "$10600");
    assertFalse(changed.equals(text));
    Files.writeString(m, changed);

    assertEquals(1, verify(out));
    assertTrue(cli.out.toString().contains("manifest.txt: its SHA-256 is"), cli.out.toString());

    // whoever changed the manifest rewrote manifest.sha256 too: the recorded hash still catches it
    String forged = Hashes.hex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(m)));
    Files.writeString(out.resolve(Manifest.HASH_FILE), forged + "  manifest.txt\n");
    assertEquals(0, verify(out), "the forged pair agrees with itself");
    assertEquals(1, verify(out, "--manifest-sha256=" + recorded));
    assertTrue(
        cli.out.toString().contains("--manifest-sha256 says " + recorded), cli.out.toString());
  }

  // --- the ordinary case

  @Test
  void aSnapshotHoldsEveryFileItsListingAndLogAndChangesNothing() throws Exception {
    Map<String, String> before = state();
    Path out = tmp.resolve("snap");

    assertEquals(0, snapshot(out), cli.err.toString());

    assertEquals(before, state(), "the snapshot changed the spool");
    String printed = cli.out.toString();
    String hash = sha256(Files.readAllBytes(out.resolve(Manifest.FILE)));
    assertEquals(hash + "  " + out.toRealPath().resolve(Manifest.FILE) + "\n", printed);
    assertEquals(hash + "  manifest.txt\n", Files.readString(out.resolve(Manifest.HASH_FILE)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    for (String f : List.of(Manifest.FILE, Manifest.HASH_FILE, Manifest.ARCHIVE)) {
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(f))),
          f);
    }
    try (Stream<Path> all = Files.list(out)) {
      assertEquals(3, all.count(), "no temporary file left");
    }

    Entry e = entry(out, "deferred/6/63CCE199");
    byte[] content = Files.readAllBytes(spool.resolve("deferred/6/63CCE199"));
    assertEquals(State.COPIED, e.state());
    assertEquals(sha256(content), e.sha256());
    assertEquals(content.length, e.size());
    assertEquals(0, e.uid());
    assertEquals("root", e.owner());
    assertEquals(0644 & ~0, e.mode() & 0644);
    assertEquals(
        Files.getLastModifiedTime(spool.resolve("deferred/6/63CCE199")).toString(), e.mtime());
    assertEquals(01730, entry(out, "maildrop").mode(), "set-id and sticky bits are kept");
    assertEquals(Kind.DIR, entry(out, "maildrop").kind());
    assertArrayEquals(content, archive(out).get("spool/deferred/6/63CCE199"));

    Extra pq = (Extra) manifest(out).get(Manifest.POSTQUEUE);
    assertEquals("ok", pq.state());
    assertEquals(postqueue + " -j", pq.source());
    assertTrue(
        new String(archive(out).get(Manifest.POSTQUEUE), StandardCharsets.UTF_8)
            .contains("63CCE199"));
    assertArrayEquals(Files.readAllBytes(log), archive(out).get(Manifest.MAIL_LOG));
    assertEquals(0, verify(out), cli.out.toString());
    assertTrue(cli.out.toString().contains("verified"), cli.out.toString());
  }

  @Test
  void aFailingOrHangingPostqueueIsRecordedNotFatal() throws Exception {
    Path out = tmp.resolve("snap");
    assertEquals(0, snapshot(out, "--postqueue=" + tmp.resolve("no-such-postqueue")));
    Extra pq = (Extra) manifest(out).get(Manifest.POSTQUEUE);
    assertEquals("failed", pq.state());
    assertTrue(pq.note().startsWith("cannot run"), pq.note());

    Files.writeString(
        postqueue, "#!/bin/sh\necho 'postqueue: fatal: Queue report unavailable' >&2\nexit 75\n");
    Path out2 = tmp.resolve("snap2");
    assertEquals(0, snapshot(out2), cli.err.toString());
    pq = (Extra) manifest(out2).get(Manifest.POSTQUEUE);
    assertEquals("failed", pq.state());
    assertEquals("exit 75: postqueue: fatal: Queue report unavailable", pq.note());

    Files.writeString(postqueue, "#!/bin/sh\necho '{\"queue_name\": \"active\"}'\nexec sleep 60\n");
    Path out3 = tmp.resolve("snap3");
    long t0 = System.nanoTime();
    take(out3, SnapshotTaker.Hook.NONE, Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertTrue(System.nanoTime() - t0 < 30_000_000_000L);
    pq = (Extra) manifest(out3).get(Manifest.POSTQUEUE);
    assertEquals("failed", pq.state());
    assertTrue(pq.note().contains("did not finish within 1 s"), pq.note());
    assertEquals(0, verify(out3), cli.out.toString());
  }

  @Test
  void theMailLogsTailIsItsLastLinesBoundedAndAMissingLogIsRecorded() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 25_000; i++) b.append("line ").append(i).append('\n');
    Files.writeString(log, b);
    Path out = tmp.resolve("snap");
    assertEquals(0, snapshot(out), cli.err.toString());
    String[] kept =
        new String(archive(out).get(Manifest.MAIL_LOG), StandardCharsets.ISO_8859_1).split("\n");
    assertEquals(SnapshotTaker.TAIL_LINES, kept.length);
    assertEquals("line 15000", kept[0]);
    assertEquals("line 24999", kept[kept.length - 1]);

    Path out2 = tmp.resolve("snap2");
    assertEquals(0, snapshot(out2, "--mail-log=" + tmp.resolve("none.log")));
    Extra x = (Extra) manifest(out2).get(Manifest.MAIL_LOG);
    assertEquals("failed", x.state());
    assertEquals("no such file", x.note());

    Path fifo = tmp.resolve("log-fifo");
    mkfifo(fifo);
    Path out3 = tmp.resolve("snap3");
    assertEquals(0, snapshot(out3, "--mail-log=" + fifo));
    assertEquals("failed", ((Extra) manifest(out3).get(Manifest.MAIL_LOG)).state());
  }

  @Test
  void anUnsafeOutputDirectoryIsRefused() throws Exception {
    Path full = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    assertEquals(2, snapshot(full));
    assertTrue(cli.err.toString().contains("not empty"), cli.err.toString());

    Path target = Files.createDirectories(tmp.resolve("target"));
    Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
    assertEquals(2, snapshot(link));
    assertTrue(cli.err.toString().contains("symbolic link"), cli.err.toString());
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(0, s.count());
    }

    assertEquals(2, snapshot(spool.resolve("hold/snap")));
    assertTrue(cli.err.toString().contains("inside the spool"), cli.err.toString());
    assertFalse(Files.exists(spool.resolve("hold/snap")), "a directory was made in the spool");

    cli = new Cli();
    assertEquals(2, cli.run("queue", "snapshot", "--spool=" + spool));
    assertTrue(cli.err.toString().contains("--out"), cli.err.toString());
  }

  @Test
  void diffListsAddedRemovedAndChangedFiles() throws Exception {
    Path a = tmp.resolve("a");
    assertEquals(0, snapshot(a), cli.err.toString());
    Files.delete(spool.resolve("active/7A1B2C3D4E"));
    file("deferred/6/63CCE199", "T1764820000 0\nSsender@example.org\nRother@example.net\n");
    Files.setPosixFilePermissions(spool.resolve("hold/4F5E6D7C8B"), perms("rw-------"));
    file("incoming/NEW\nLINE", "new\n");
    Path b = tmp.resolve("b");
    assertEquals(0, snapshot(b), cli.err.toString());

    assertEquals(1, diff(a, b));
    String said = cli.out.toString();
    assertTrue(said.contains("removed  active/7A1B2C3D4E"), said);
    assertTrue(said.contains("added    incoming/NEW%0ALINE"), said);
    assertTrue(said.matches("(?s).*changed  deferred/6/63CCE199: sha256 .*"), said);
    assertTrue(said.contains("changed  hold/4F5E6D7C8B: mode 0700 -> 0600"), said);
    assertTrue(said.contains("4 differences"), said);

    assertEquals(0, diff(b, b));
    assertTrue(cli.out.toString().contains("no differences"));
  }

  // --- helpers

  SnapshotTaker.Result take(Path out, SnapshotTaker.Hook hook, Duration openTimeout)
      throws IOException {
    return take(out, hook, openTimeout, Duration.ofSeconds(30));
  }

  SnapshotTaker.Result take(
      Path out, SnapshotTaker.Hook hook, Duration openTimeout, Duration postqueueTimeout)
      throws IOException {
    return new SnapshotTaker(
            new SnapshotTaker.Request(
                spool,
                out,
                log,
                List.of(postqueue.toString(), "-j"),
                postqueueTimeout,
                openTimeout),
            Clock.fixed(Instant.parse("2026-12-07T01:00:00Z"), ZoneOffset.UTC),
            hook)
        .take();
  }

  static void mkfifo(Path p) throws IOException {
    try {
      Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
      assertEquals(0, mk.waitFor());
    } catch (InterruptedException e) {
      throw new IOException(e);
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    throw new AssertionError("not found");
  }
}
