package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Database inspection: safe while the daemon runs (read-only). */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Inspect the database (read-only; safe while the daemon runs).",
    subcommands = {DbCommand.Stats.class, DbCommand.Dump.class, DbCommand.Verify.class})
public final class DbCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Base implements Callable<Integer> {
    @Option(names = "--dbdir", paramLabel = "PATH", description = "Database directory (default: ${DEFAULT-VALUE}).")
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

  @Command(name = "stats", mixinStandardHelpOptions = true, description = "Count triplets and auto-whitelisted clients.")
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
      LmdbStore.Verification v = store.verify(java.time.Clock.systemUTC().instant().getEpochSecond());
      v.problems().forEach(p -> out.println("problem: " + p));
      out.println((v.clean() ? "ok" : "damaged") + ": " + v.triplets() + " triplets, " + v.clients() + " clients checked");
      clean = v.clean();
    }
  }

  @Command(
      name = "dump",
      mixinStandardHelpOptions = true,
      description = "Print every triplet (KEY FIRST_SEEN LAST_SEEN, ISO times) and client (KEY COUNT LAST_SEEN).")
  static final class Dump extends Base {
    @Override
    void run(LmdbStore store, PrintWriter out) {
      store.forEachTriplet(
          (k, e) -> out.println("triplet " + k + " " + Instant.ofEpochSecond(e.firstSeen()) + " " + Instant.ofEpochSecond(e.lastSeen())));
      store.forEachClient(
          (k, e) -> out.println("client " + k + " " + e.count() + " " + Instant.ofEpochSecond(e.lastSeen())));
    }
  }
}
