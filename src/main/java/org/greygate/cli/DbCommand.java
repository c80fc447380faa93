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
    subcommands = {DbCommand.Stats.class, DbCommand.Dump.class})
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
