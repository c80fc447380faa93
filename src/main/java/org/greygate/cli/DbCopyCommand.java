package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.greygate.app.StoreLocation;
import org.greygate.app.Stores;
import org.greygate.migrate.StoreCopy;
import org.greygate.store.Expiry;
import org.greygate.store.StoreException;
import org.greygate.store.TripletStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code greygate db copy}: LMDB to Redis and back, with progress and a summary. */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a store into another: triplets, auto-whitelisted clients and decision counters, e.g."
          + " from the embedded database to Redis when a site grows a second MX host, or back.",
      "The target must be empty. Reading an LMDB directory is safe while its daemon runs; stop"
          + " the daemon that writes to an LMDB target. Rate-limit counters are not copied (they"
          + " refill within their windows). The --redis-* options apply to the Redis side."
    })
final class DbCopyCommand implements Callable<Integer> {
  @Option(
      names = "--from",
      required = true,
      paramLabel = "DIR|URL",
      description = "The store to read: an LMDB directory, or redis://..., rediss://...")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "DIR|URL",
      description = "The store to fill: an LMDB directory, or redis://..., rediss://...")
  String to;

  @Option(
      names = "--delay",
      paramLabel = "N",
      description =
          "The daemon's --delay, for the rows' TTLs in Redis (default: ${DEFAULT-VALUE}).")
  long delay = 300;

  @Option(
      names = "--max-age",
      paramLabel = "N",
      description = "The daemon's --max-age in days (default: ${DEFAULT-VALUE}).")
  long maxAge = 35;

  @Option(
      names = "--retry-window",
      paramLabel = "N",
      converter = Converters.RetryWindow.class,
      description = "The daemon's --retry-window: N days, or N hours with 'h' (default: 2).")
  long retryWindow = 2 * 86_400;

  @Mixin RedisOptions redis;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (isRedis(from) && isRedis(to)) {
      throw new GreygateCli.UsageError("--from and --to are both Redis: one side must be LMDB");
    }
    Expiry expiry = new Expiry(delay, maxAge * 86_400, retryWindow);
    long started = System.nanoTime();
    StoreCopy.Summary s;
    try (TripletStore source = open("--from", from, expiry, true);
        TripletStore target = open("--to", to, expiry, false)) {
      if (target.tripletCount() > 0 || target.clientCount() > 0 || hasCounters(target)) {
        err.println(
            "greygate: --to "
                + to
                + " already holds "
                + target.tripletCount()
                + " triplets and "
                + target.clientCount()
                + " clients: copy into an empty store");
        return GreygateCli.EXIT_USAGE;
      }
      boolean terminal = System.console() != null;
      s =
          StoreCopy.copy(
              source,
              target,
              (what, done, total) -> {
                if (terminal) {
                  err.print("\r" + bar(what, done, total));
                  if (done >= total) err.println();
                  err.flush();
                } else if (done >= total) {
                  err.println(bar(what, done, total));
                }
              });
    } catch (StoreException e) {
      err.println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
    out.printf(
        Locale.ROOT,
        "copied %,d triplets, %,d clients and %,d decision counters from %s to %s in %.1f s%n",
        s.triplets(),
        s.clients(),
        s.counters(),
        from,
        to,
        (System.nanoTime() - started) / 1e9);
    out.flush();
    return GreygateCli.EXIT_OK;
  }

  /** {@code triplets [##########----------] 50% 500,000/1,000,000}. */
  static String bar(String what, long done, long total) {
    int width = 30;
    int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
    long pct = total <= 0 ? 100 : Math.min(100, done * 100 / total);
    return String.format(
        Locale.ROOT,
        "%-9s [%s%s] %3d%% %,d/%,d",
        what,
        "#".repeat(filled),
        "-".repeat(width - filled),
        pct,
        done,
        Math.max(total, done));
  }

  private TripletStore open(String option, String where, Expiry expiry, boolean readOnly) {
    StoreLocation location;
    if (isRedis(where)) {
      location = new StoreLocation.Redis(redis.settings(option, where, Duration.ofSeconds(10)));
    } else {
      Path dir = Path.of(where);
      if (readOnly && !java.nio.file.Files.isRegularFile(dir.resolve("data.mdb"))) {
        throw new GreygateCli.UsageError(option + " " + where + ": no greygate database there");
      }
      location = new StoreLocation.Lmdb(dir);
    }
    return Stores.open(
        location, readOnly ? Stores.Access.INSPECT : Stores.Access.TOOL, expiry, Duration.ZERO);
  }

  private static boolean isRedis(String where) {
    return where.startsWith("redis://")
        || where.startsWith("rediss://")
        || where.startsWith("redis-sentinel://");
  }

  private static boolean hasCounters(TripletStore store) {
    boolean[] any = {false};
    store.forEachDecisionCount(0, Long.MAX_VALUE, c -> any[0] = true);
    return any[0];
  }
}
