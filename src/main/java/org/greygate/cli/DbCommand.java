package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.greygate.app.Stores;
import org.greygate.migrate.MalformedInput;
import org.greygate.migrate.PostgreyImport;
import org.greygate.migrate.StoreDump;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The database: inspection (safe while the daemon runs) and the Postgrey import. */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Inspect, back up and restore the database, or import Postgrey's.",
      "stats, dump and verify only read and are safe while the daemon runs; load and",
      "import-postgrey write: stop the daemon first."
    },
    subcommands = {
      DbCommand.Stats.class,
      DbCommand.Dump.class,
      DbCommand.Load.class,
      DbCommand.Verify.class,
      DbCommand.ImportPostgrey.class,
      DbCopyCommand.class
    })
public final class DbCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** {@code greygate db} alone: which subcommand? Usage on stderr, exit 2. */
  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println(
            "greygate db: give a subcommand (stats, dump, load, verify, import-postgrey, copy)");
    spec.commandLine().usage(spec.commandLine().getErr());
    return GreygateCli.EXIT_USAGE;
  }

  abstract static class Base implements Callable<Integer> {
    @Mixin DbdirOption db;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      db.requireDatabase();
      try (LmdbStore store = Stores.lmdb(db.dbdir, Stores.Access.INSPECT)) {
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
        "Needs db_dump (Debian: db-util). Stop greygate and Postgrey first (root's import reads a copy of Postgrey's directory, which a running Postgrey could change under it).",
        "A row already in --dbdir is kept when it was seen more recently than Postgrey's.",
        "All or nothing: a failure leaves --dbdir as it was. Rows with times out of range are"
            + " skipped and named."
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
    Path dbdir = org.greygate.store.StoreSettings.DBDIR.defaultValue();

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
      long now = java.time.Clock.systemUTC().instant().getEpochSecond();
      try {
        s =
            Stores.rebuild(
                dbdir,
                true,
                (current, fresh) ->
                    new PostgreyImport(dbDump, line -> err.println("greygate: skipped " + line))
                        .run(from, fresh, now));
      } catch (IllegalArgumentException e) { // a MalformedInput names FILE:LINE
        err.println("greygate: " + e.getMessage() + " (nothing imported)");
        return GreygateCli.EXIT_USAGE;
      } catch (StoreException | java.io.IOException e) {
        err.println("greygate: " + e.getMessage() + " (nothing imported)");
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
      description = {
        "Print the database as text: every triplet (KEY FIRST_SEEN LAST_SEEN), client (KEY COUNT"
            + " LAST_SEEN) and hourly decision counter, times in UTC; plain ASCII, a key's"
            + " backslash written \\\\ and any other byte that is not printable ASCII (space"
            + " included) \\xHH.",
        "A backup `db load` reads back. Safe while the daemon runs. With --privacy, keep"
            + " DBDIR/privacy.key with it: the keys are hashes under that secret."
      })
  static final class Dump extends Base {
    @Override
    void run(LmdbStore store, PrintWriter out) {
      StoreDump.write(store, out);
    }
  }

  @Command(
      name = "load",
      mixinStandardHelpOptions = true,
      description = {
        "Read a `db dump` into --dbdir, which must hold no rows yet (a new or emptied directory;"
            + " a privacy.key copied there first is used).",
        "Stop the daemon first, and run it as the daemon's user (e.g. runuser -u greygate --) so"
            + " the files are the daemon's. Every field is checked; a malformed line stops the"
            + " load (exit 2, FILE:LINE) and leaves --dbdir as it was: the new database is put in"
            + " place only once all of it has been read."
      })
  static final class Load implements Callable<Integer> {
    @Option(
        names = "--dbdir",
        paramLabel = "PATH",
        description = "Database directory to fill (default: ${DEFAULT-VALUE}).")
    Path dbdir = org.greygate.store.StoreSettings.DBDIR.defaultValue();

    @picocli.CommandLine.Parameters(
        paramLabel = "FILE",
        description = "The dump to read; - for standard input.")
    String file;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      long now = java.time.Clock.systemUTC().instant().getEpochSecond();
      String source = "-".equals(file) ? "stdin" : file;
      StoreDump.Summary s;
      try (java.io.InputStream in = open(file)) {
        s =
            Stores.rebuild(
                dbdir,
                false,
                (current, fresh) -> {
                  if (current.tripletCount() > 0
                      || current.clientCount() > 0
                      || hasCounters(current)) {
                    throw new NotEmpty(
                        dbdir
                            + " already holds "
                            + current.tripletCount()
                            + " triplets and "
                            + current.clientCount()
                            + " clients: load into a new directory (or move this one away)");
                  }
                  return StoreDump.load(in, source, now, fresh);
                });
      } catch (NotEmpty e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_USAGE;
      } catch (MalformedInput e) {
        err.println("greygate: " + e.getMessage() + " (nothing loaded)");
        return GreygateCli.EXIT_USAGE;
      } catch (java.nio.file.NoSuchFileException e) {
        err.println("greygate: " + file + ": no such file");
        return GreygateCli.EXIT_USAGE;
      } catch (StoreException | java.io.IOException e) {
        err.println("greygate: " + e.getMessage() + " (nothing loaded)");
        return GreygateCli.EXIT_FAILURE;
      }
      out.println(
          "loaded "
              + s.triplets()
              + " triplets, "
              + s.clients()
              + " clients and "
              + s.counters()
              + " decision counters into "
              + dbdir);
      if ("root".equals(System.getProperty("user.name"))) {
        out.println(
            "the files are root's: chown -R greygate: " + dbdir + " before the daemon starts");
      }
      out.flush();
      return GreygateCli.EXIT_OK;
    }

    private static boolean hasCounters(LmdbStore store) {
      boolean[] any = {false};
      store.forEachDecisionCount(0, Long.MAX_VALUE, c -> any[0] = true);
      return any[0];
    }

    private static java.io.InputStream open(String file) throws java.io.IOException {
      return "-".equals(file) ? System.in : java.nio.file.Files.newInputStream(Path.of(file));
    }

    /** The target already holds rows: a usage error, nothing done. */
    private static final class NotEmpty extends RuntimeException {
      private static final long serialVersionUID = 1L;

      NotEmpty(String message) {
        super(message, null, false, false);
      }
    }
  }
}
