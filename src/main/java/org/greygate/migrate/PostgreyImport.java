package org.greygate.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.greygate.store.ClientEntry;
import org.greygate.store.RowLimits;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/**
 * Copies a Postgrey database ({@code postgrey.db} and {@code postgrey_clients.db}) into a store,
 * through {@code db_dump -p}. A row the store already has is kept when it was seen more recently
 * than Postgrey's. Rows Postgrey wrote with {@code --privacy} (SHA-1 keys) cannot be turned into
 * greygate's keyed hashes and are skipped; so are rows whose value is not two numbers or whose
 * times are out of {@link RowLimits} (a clock that was wrong once), each named on the report; both
 * are counted. A dump that is not a printable dump, or a db_dump that fails, stops the import with
 * an exception: run it into a store that is thrown away on failure ({@code LmdbStore.rebuild}).
 */
public final class PostgreyImport {
  /** What an import did. */
  public record Summary(long triplets, long clients, long skippedHashed, long skippedMalformed) {}

  /** Skipped rows named one by one on the report; the rest only counted. */
  static final int NAMED = 20;

  private final String dbDump;
  private final Consumer<String> report;
  private long triplets;
  private long clients;
  private long hashed;
  private long malformed;

  /**
   * @param dbDump the Berkeley DB dump program ({@code db_dump}, Debian package db-util)
   * @param report told of each skipped row ({@code FILE:LINE: KEY: why}), for the first few
   */
  public PostgreyImport(String dbDump, Consumer<String> report) {
    this.dbDump = dbDump;
    this.report = report;
  }

  /**
   * @param now the clock's time: rows more than {@link RowLimits#AHEAD} after it are skipped
   * @throws IllegalArgumentException when {@code from} holds no {@code postgrey.db}
   * @throws MalformedInput when db_dump's output is not a printable dump
   * @throws IOException when db_dump cannot be run or fails
   */
  public Summary run(Path from, TripletStore store, long now) throws IOException {
    if (!Files.isRegularFile(from.resolve("postgrey.db"))) {
      throw new IllegalArgumentException("no postgrey.db in " + from);
    }
    importFile(from, "postgrey.db", true, store, now);
    if (Files.isRegularFile(from.resolve("postgrey_clients.db"))) {
      importFile(from, "postgrey_clients.db", false, store, now);
    }
    store.flush();
    return new Summary(triplets, clients, hashed, malformed);
  }

  private void importFile(
      Path from, String file, boolean tripletTable, TripletStore store, long now)
      throws IOException {
    Process p;
    try {
      p =
          new ProcessBuilder(dbDump, "-p", "-h", from.toString(), file)
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run " + dbDump + " (Debian: apt-get install db-util): " + e.getMessage(), e);
    }
    p.getOutputStream().close();
    // db_dump's complaints, read beside its output so that neither pipe can fill and stall it
    StringBuilder errors = new StringBuilder();
    Thread stderr =
        new Thread(
            () -> {
              try (InputStream e = p.getErrorStream()) {
                byte[] b = e.readNBytes(8192);
                errors.append(new String(b, StandardCharsets.UTF_8).strip());
                e.transferTo(java.io.OutputStream.nullOutputStream());
              } catch (IOException ignored) {
                // the process is gone; its exit code says the rest
              }
            },
            "db_dump-stderr");
    stderr.setDaemon(true);
    stderr.start();
    long[] rows = {0};
    InputStream out = p.getInputStream();
    try {
      PostgreyDump.read(
          out,
          file,
          (key, value, line) -> {
            String why = problem(key, value, tripletTable, now);
            if (why != null) {
              if (malformed++ < NAMED) {
                report.accept(file + ":" + line + ": " + DumpEscape.escape(key, true) + ": " + why);
              }
              return;
            }
            if (key.matches("[0-9a-f]{40}")) {
              hashed++;
              return;
            }
            long[] v = PostgreyDump.numbers(value);
            if (tripletTable) {
              TripletEntry theirs = new TripletEntry(v[0], v[1]);
              StoreDump.join(store.step(key, null, (mine, c) -> StoreDump.newer(mine, theirs)));
              triplets++;
            } else {
              ClientEntry theirs = new ClientEntry(Math.max(1, v[0]), v[1]);
              StoreDump.join(store.step(null, key, (t, mine) -> StoreDump.newer(mine, theirs)));
              clients++;
            }
            if (++rows[0] % 50_000 == 0) store.flush(); // bounded backlog on a big import
          });
    } catch (MalformedInput e) {
      if (out.read() < 0) {
        // db_dump stopped writing: a dump cut short is explained by its failure, if it failed
        exitCode(p, stderr, errors, from, file);
      }
      p.destroy();
      throw e;
    } finally {
      out.close();
    }
    exitCode(p, stderr, errors, from, file);
  }

  private void exitCode(Process p, Thread stderr, StringBuilder errors, Path from, String file)
      throws IOException {
    try {
      int code = p.waitFor();
      stderr.join(5_000);
      if (code != 0) {
        throw new IOException(dbDump + " failed on " + from.resolve(file) + ": " + errors);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Why the row cannot be imported, or null. */
  public static String problem(String key, String value, boolean triplet, long now) {
    if (key.isEmpty()) return "empty key";
    long[] v = PostgreyDump.numbers(value);
    if (v == null) {
      return "value '" + DumpEscape.escape(value, true) + "' is not two numbers";
    }
    if (triplet) {
      if (v[0] > v[1]) return "first seen " + v[0] + " after last seen " + v[1];
      if (!RowLimits.timeOk(v[0], now)) return "first seen " + v[0] + " out of range";
    } else if (v[0] > RowLimits.MAX_COUNT) {
      return "count " + v[0] + " too large";
    }
    if (!RowLimits.timeOk(v[1], now)) return "last seen " + v[1] + " out of range";
    return null;
  }
}
