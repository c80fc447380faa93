package org.greygate.migrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.Cli;
import org.greygate.testing.Requirements;
import org.greygate.testing.Rows;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code db import-postgrey} under attack: times no store accepts, a db_dump that fails half way,
 * an endless line. The import is all or nothing, and what it writes {@code db verify} calls sound.
 */
class HostileImportIT {
  @TempDir Path dir;

  static final long NOW = System.currentTimeMillis() / 1000;

  /** A Postgrey database directory made by Berkeley DB's own db_load from printable text. */
  Path postgrey(String triplets, String clients) throws Exception {
    Requirements.program("db_load", "/usr/bin/db_load");
    Path from = Files.createDirectories(dir.resolve("postgrey"));
    dbLoad(from.resolve("postgrey.db"), triplets);
    dbLoad(from.resolve("postgrey_clients.db"), clients);
    return from;
  }

  void dbLoad(Path db, String rows) throws Exception {
    Path text =
        Files.writeString(
            dir.resolve(db.getFileName() + ".txt"),
            "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n" + rows + "DATA=END\n");
    Process p =
        new ProcessBuilder("db_load", "-f", text.toString(), db.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }

  /** A db_dump stand-in that prints {@code text} and exits with {@code code}. */
  Path fakeDbDump(String script) throws Exception {
    Path f = dir.resolve("fake_db_dump");
    Files.writeString(f, "#!/bin/sh\n" + script + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(dir.resolve("from"));
    Files.writeString(dir.resolve("from/postgrey.db"), "");
    return f;
  }

  Path target() {
    Path db = dir.resolve("greygate");
    try (LmdbStore s = LmdbStore.open(db)) {
      Rows.put(s, "192.0.2/mine@example.org/b@example.net", new TripletEntry(NOW - 50, NOW - 40));
      Rows.put(s, "192.0.2", new ClientEntry(3, NOW - 40));
      s.flush();
    }
    return db;
  }

  @Test
  void timesNoStoreAcceptsAreSkippedAndWhatIsWrittenVerifies() throws Exception {
    long t = NOW - 3600;
    Path from =
        postgrey(
            " 192.0.2/a@example.org/b@example.net\n "
                + t
                + ","
                + (t + 400)
                + "\n 192.0.2/future@example.org/b@example.net\n "
                + t
                + ",4102444800\n 192.0.2/ancient@example.org/b@example.net\n 5,6\n"
                + " 192.0.2/huge@example.org/b@example.net\n 1,99999999999999999999\n"
                + " 192.0.2/neg@example.org/b@example.net\n -5,"
                + t
                + "\n",
            " 198.51.100\n 3," + t + "\n 203.0.113\n 3,4102444800\n 203.0.114\n 0," + t + "\n");
    Path db = dir.resolve("greygate");
    Cli imp = new Cli();
    assertEquals(
        0, imp.run("db", "import-postgrey", "--from=" + from, "--dbdir=" + db), imp.err.toString());
    assertTrue(
        imp.out.toString().contains("imported 1 triplets and 2 clients"), imp.out.toString());
    assertTrue(imp.out.toString().contains("skipped 5 malformed rows"), imp.out.toString());
    assertTrue(
        imp.err
            .toString()
            .matches(
                "(?s).*postgrey\\.db:\\d+: 192\\.0\\.2/future@example\\.org/b@example\\.net:"
                    + " last seen .* out of range.*"),
        imp.err.toString());

    Cli verify = new Cli();
    assertEquals(0, verify.run("db", "verify", "--dbdir=" + db), verify.out.toString());
    try (LmdbStore s = LmdbStore.openDryRun(db)) {
      assertEquals(new ClientEntry(1, t), Rows.client(s, "203.0.114"), "a count of 0 counts one");
    }
    Cli dump = new Cli();
    assertEquals(0, dump.run("db", "dump", "--dbdir=" + db), dump.err.toString());
  }

  @Test
  void aDbDumpThatFailsHalfWayLeavesTheTargetAsItWas() throws Exception {
    Path db = target();
    Map<String, String> before = HostileDumpIT.rows(db);
    Path fake =
        fakeDbDump(
            "printf 'VERSION=3\\nformat=print\\ntype=btree\\nHEADER=END\\n'\n"
                + "printf ' 192.0.2/a@example.org/b@example.net\\n "
                + (NOW - 100)
                + ","
                + (NOW - 90)
                + "\\n'\n"
                + "echo 'db_dump: DB->get: BDB0063 DB_PAGE_NOTFOUND' >&2\nexit 1");
    Cli imp = new Cli();
    int code =
        imp.run(
            "db",
            "import-postgrey",
            "--from=" + dir.resolve("from"),
            "--dbdir=" + db,
            "--db-dump=" + fake);
    assertNotEquals(0, code);
    assertTrue(imp.err.toString().contains("DB_PAGE_NOTFOUND"), imp.err.toString());
    assertTrue(imp.err.toString().contains("nothing imported"), imp.err.toString());
    assertEquals(before, HostileDumpIT.rows(db), "not one row of the failed import is left");
    assertEquals(
        java.util.List.of("data.mdb", "greygate.lock", "lock.mdb"), HostileDumpIT.list(db));
  }

  @Test
  void anEndlessLineFromDbDumpIsRefusedByNumber() throws Exception {
    Path db = target();
    Map<String, String> before = HostileDumpIT.rows(db);
    Path fake =
        fakeDbDump(
            "printf 'VERSION=3\\nformat=print\\ntype=btree\\nHEADER=END\\n 192.0.2\\n 1,2\\n '\n"
                + "head -c 52428800 /dev/zero | tr '\\000' a");
    Cli imp = new Cli();
    int code =
        imp.run(
            "db",
            "import-postgrey",
            "--from=" + dir.resolve("from"),
            "--dbdir=" + db,
            "--db-dump=" + fake);
    assertEquals(2, code, imp.err.toString());
    assertTrue(
        imp.err.toString().contains("postgrey.db:7: line longer than 65536 bytes"),
        imp.err.toString());
    assertEquals(before, HostileDumpIT.rows(db));
  }
}
