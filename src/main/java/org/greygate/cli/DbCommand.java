package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Database inspection: safe while the daemon runs (read-only). */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Inspect the database (read-only; safe while the daemon runs).",
    subcommands = {
      DbCommand.Stats.class,
      DbCommand.Dump.class,
      DbCommand.Verify.class,
      DbCommand.ImportPostgrey.class
    })
public final class DbCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--dbdir",
        paramLabel = "PATH",
        description = "Database directory (default: ${DEFAULT-VALUE}).")
    Path dbdir = GreylistOptions.DEFAULT_DBDIR;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try (LmdbStore store = LmdbStore.openDryRun(dbdir)) {
        run(store, spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return GreygateCli.EXIT_OK;
      } catch (StoreException e) {
        spec.commandLine().getErr().println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
    }

    abstract void run(LmdbStore store, PrintWriter out);
  }

  @Command(
      name = "stats",
      mixinStandardHelpOptions = true,
      description = "Count triplets and auto-whitelisted clients.")
  static final class Stats extends Base {
    @Override
    void run(LmdbStore store, PrintWriter out) {
      out.println("triplets: " + store.tripletCount());
      out.println("clients: " + store.clientCount());
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Read every row and check it; exit 0 if the database is sound, 1 if not (problems on stdout).",
        "Safe while the daemon runs."
      })
  static final class Verify extends Base {
    boolean clean;

    @Override
    public Integer call() {
      Integer code = super.call();
      return code == GreygateCli.EXIT_OK && !clean ? GreygateCli.EXIT_FAILURE : code;
    }

    @Override
    void run(LmdbStore store, PrintWriter out) {
      LmdbStore.Verification v =
          store.verify(java.time.Clock.systemUTC().instant().getEpochSecond());
      v.problems().forEach(p -> out.println("problem: " + p));
      out.println(
          (v.clean() ? "ok" : "damaged")
              + ": "
              + v.triplets()
              + " triplets, "
              + v.clients()
              + " clients checked");
      clean = v.clean();
    }
  }

  @Command(
      name = "import-postgrey",
      mixinStandardHelpOptions = true,
      description = {
        "Copy a Postgrey database (triplets and auto-whitelisted clients) into --dbdir, so senders",
        "Postgrey already knows are not greylisted again. Postgrey and greygate use the same keys.",
        "Needs db_dump (Debian: db-util). Stop greygate first; Postgrey may keep running.",
        "A row already in --dbdir is kept when it was seen more recently than Postgrey's."
      })
  static final class ImportPostgrey implements Callable<Integer> {
    @Option(
        names = "--from",
        paramLabel = "DIR",
        description = "Postgrey's --dbdir (default: ${DEFAULT-VALUE}).")
    Path from = Path.of("/var/lib/postgrey");

    @Option(
        names = "--dbdir",
        paramLabel = "PATH",
        description = "greygate's database directory (default: ${DEFAULT-VALUE}).")
    Path dbdir = GreylistOptions.DEFAULT_DBDIR;

    @Option(
        names = "--db-dump",
        paramLabel = "PROGRAM",
        description = "Berkeley DB dump program (default: ${DEFAULT-VALUE}).")
    String dbDump = "db_dump";

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (!java.nio.file.Files.isRegularFile(from.resolve("postgrey.db"))) {
        err.println("greygate: no postgrey.db in " + from);
        return GreygateCli.EXIT_USAGE;
      }
      long[] counts = new long[4]; // triplets, clients, skipped hashed, skipped malformed
      try (LmdbStore store = LmdbStore.open(dbdir)) {
        importFile("postgrey.db", true, store, counts);
        if (java.nio.file.Files.isRegularFile(from.resolve("postgrey_clients.db"))) {
          importFile("postgrey_clients.db", false, store, counts);
        }
        store.flush();
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      } catch (java.io.IOException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      out.println(
          "imported "
              + counts[0]
              + " triplets and "
              + counts[1]
              + " clients from "
              + from
              + " into "
              + dbdir);
      if (counts[2] > 0) {
        out.println(
            "skipped "
                + counts[2]
                + " rows written with Postgrey's --privacy (SHA-1 keys cannot be turned into greygate's keyed hashes)");
      }
      if (counts[3] > 0) {
        out.println("skipped " + counts[3] + " malformed rows");
      }
      out.flush();
      return GreygateCli.EXIT_OK;
    }

    private void importFile(String file, boolean triplets, LmdbStore store, long[] counts)
        throws java.io.IOException {
      Process p;
      try {
        p =
            new ProcessBuilder(dbDump, "-p", "-h", from.toString(), file)
                .redirectErrorStream(false)
                .start();
      } catch (java.io.IOException e) {
        throw new java.io.IOException(
            "cannot run " + dbDump + " (Debian: apt-get install db-util): " + e.getMessage(), e);
      }
      long[] pending = {0};
      org.greygate.store.PostgreyDump.read(
          org.greygate.store.PostgreyDump.stream(p.getInputStream()),
          (key, value) -> {
            long[] v = org.greygate.store.PostgreyDump.numbers(value);
            if (v == null) {
              counts[3]++;
              return;
            }
            if (key.matches("[0-9a-f]{40}")) {
              counts[2]++;
              return;
            }
            if (triplets) {
              org.greygate.store.TripletEntry mine = store.getTriplet(key);
              if (mine == null || mine.lastSeen() < v[1])
                store.putTriplet(
                    key, new org.greygate.store.TripletEntry(Math.min(v[0], v[1]), v[1]));
              counts[0]++;
            } else {
              org.greygate.store.ClientEntry mine = store.getClient(key);
              if (mine == null || mine.lastSeen() < v[1])
                store.putClient(key, new org.greygate.store.ClientEntry(Math.max(1, v[0]), v[1]));
              counts[1]++;
            }
            if (++pending[0] % 50_000 == 0) store.flush();
          });
      try {
        String errors =
            new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .strip();
        if (p.waitFor() != 0) {
          throw new java.io.IOException(
              dbDump + " failed on " + from.resolve(file) + ": " + errors);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.IOException("interrupted", e);
      }
    }
  }

  @Command(
      name = "dump",
      mixinStandardHelpOptions = true,
      description =
          "Print every triplet (KEY FIRST_SEEN LAST_SEEN, ISO times) and client (KEY COUNT LAST_SEEN).")
  static final class Dump extends Base {
    @Override
    void run(LmdbStore store, PrintWriter out) {
      store.forEachTriplet(
          (k, e) ->
              out.println(
                  "triplet "
                      + k
                      + " "
                      + Instant.ofEpochSecond(e.firstSeen())
                      + " "
                      + Instant.ofEpochSecond(e.lastSeen())));
      store.forEachClient(
          (k, e) ->
              out.println(
                  "client " + k + " " + e.count() + " " + Instant.ofEpochSecond(e.lastSeen())));
    }
  }
}
