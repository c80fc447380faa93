package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.greygate.migrate.PostgreyImport;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The database: inspection (safe while the daemon runs) and the Postgrey import. */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Inspect the database, or import Postgrey's.",
      "stats, dump and verify only read and are safe while the daemon runs; import-postgrey",
      "writes: stop the daemon first."
    },
    subcommands = {
      DbCommand.Stats.class,
      DbCommand.Dump.class,
      DbCommand.Verify.class,
      DbCommand.ImportPostgrey.class
    })
public final class DbCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** {@code greygate db} alone: which subcommand? Usage on stderr, exit 2. */
  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println("greygate db: give a subcommand (stats, dump, verify, import-postgrey)");
    spec.commandLine().usage(spec.commandLine().getErr());
    return GreygateCli.EXIT_USAGE;
  }

  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--dbdir",
        paramLabel = "PATH",
        description = "Database directory (default: ${DEFAULT-VALUE}).")
    Path dbdir = DaemonOptions.DEFAULT_DBDIR;

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
              + " clients, "
              + v.counters()
              + " counters checked");
      clean = v.clean();
    }
  }

  @Command(
      name = "import-postgrey",
      mixinStandardHelpOptions = true,
      description = {
        "Copy a Postgrey database into --dbdir, so that senders Postgrey knows are not greylisted again.",
        "Triplets and auto-whitelisted clients are copied; Postgrey and greygate use the same keys.",
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
    Path dbdir = DaemonOptions.DEFAULT_DBDIR;

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
      PostgreyImport.Summary s;
      try (LmdbStore store = LmdbStore.open(dbdir)) {
        s = new PostgreyImport(dbDump).run(from, store);
      } catch (IllegalArgumentException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_USAGE;
      } catch (StoreException | java.io.IOException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      out.println(
          "imported "
              + s.triplets()
              + " triplets and "
              + s.clients()
              + " clients from "
              + from
              + " into "
              + dbdir);
      if (s.skippedHashed() > 0) {
        out.println(
            "skipped "
                + s.skippedHashed()
                + " rows written with Postgrey's --privacy (SHA-1 keys cannot be turned into greygate's keyed hashes)");
      }
      if (s.skippedMalformed() > 0) {
        out.println("skipped " + s.skippedMalformed() + " malformed rows");
      }
      out.flush();
      return GreygateCli.EXIT_OK;
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
