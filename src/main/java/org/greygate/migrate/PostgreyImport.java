package org.greygate.migrate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/**
 * Copies a Postgrey database ({@code postgrey.db} and {@code postgrey_clients.db}) into a store,
 * through {@code db_dump -p}. A row the store already has is kept when it was seen more recently
 * than Postgrey's. Rows Postgrey wrote with {@code --privacy} (SHA-1 keys) cannot be turned into
 * greygate's keyed hashes and are skipped, as are malformed rows; both are counted.
 */
public final class PostgreyImport {
  /** What an import did. */
  public record Summary(long triplets, long clients, long skippedHashed, long skippedMalformed) {}

  private final String dbDump;
  private long triplets;
  private long clients;
  private long hashed;
  private long malformed;

  /**
   * @param dbDump the Berkeley DB dump program ({@code db_dump}, Debian package db-util)
   */
  public PostgreyImport(String dbDump) {
    this.dbDump = dbDump;
  }

  /**
   * @throws IllegalArgumentException when {@code from} holds no {@code postgrey.db}
   * @throws IOException when db_dump cannot be run or fails
   */
  public Summary run(Path from, TripletStore store) throws IOException {
    if (!Files.isRegularFile(from.resolve("postgrey.db"))) {
      throw new IllegalArgumentException("no postgrey.db in " + from);
    }
    importFile(from, "postgrey.db", true, store);
    if (Files.isRegularFile(from.resolve("postgrey_clients.db"))) {
      importFile(from, "postgrey_clients.db", false, store);
    }
    store.flush();
    return new Summary(triplets, clients, hashed, malformed);
  }

  private void importFile(Path from, String file, boolean tripletTable, TripletStore store)
      throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(dbDump, "-p", "-h", from.toString(), file).start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run " + dbDump + " (Debian: apt-get install db-util): " + e.getMessage(), e);
    }
    long[] rows = {0};
    PostgreyDump.read(
        PostgreyDump.stream(p.getInputStream()),
        (key, value) -> {
          long[] v = PostgreyDump.numbers(value);
          if (v == null) {
            malformed++;
            return;
          }
          if (key.matches("[0-9a-f]{40}")) {
            hashed++;
            return;
          }
          if (tripletTable) {
            TripletEntry theirs = new TripletEntry(Math.min(v[0], v[1]), v[1]);
            StoreDump.join(store.step(key, null, (mine, c) -> StoreDump.newer(mine, theirs)));
            triplets++;
          } else {
            ClientEntry theirs = new ClientEntry(Math.max(1, v[0]), v[1]);
            StoreDump.join(store.step(null, key, (t, mine) -> StoreDump.newer(mine, theirs)));
            clients++;
          }
          if (++rows[0] % 50_000 == 0) store.flush(); // bounded backlog on a big import
        });
    try {
      String errors = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) {
        throw new IOException(dbDump + " failed on " + from.resolve(file) + ": " + errors);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
