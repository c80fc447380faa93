package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.greygate.app.StoreLocation;
import org.greygate.app.Stores;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistSettings;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.TripletKeys;
import org.greygate.inet.IpAddress;
import org.greygate.migrate.StoreCopy;
import org.greygate.store.Expiry;
import org.greygate.store.PrivacySecret;
import org.greygate.store.StoreException;
import org.greygate.store.TripletStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code greygate db copy}: LMDB to Redis and back, with progress and a summary. */
@Command(
    name = "copy",
    mixinStandardHelpOptions = true,
    modelTransformer = DbCopyCommand.Options.class,
    description = {
      "Copy a store into another: triplets, auto-whitelisted clients and decision counters, e.g."
          + " from the embedded database to Redis when a site grows a second MX host, or back.",
      "The target must be empty. Reading an LMDB directory is safe while its daemon runs; stop"
          + " the daemon that writes to an LMDB target. Rate-limit counters are not copied (they"
          + " refill within their windows). The --redis-* options apply to the Redis side.",
      "The rows' lifetimes in Redis follow the daemon's --delay, --max-age and --retry-window, as"
          + " it recorded them in the LMDB side's directory (DIR/serve.options) when it started;"
          + " given here, they replace those.",
      "Into a Redis Cluster (redis-cluster://...) each row goes to the slot of its client's"
          + " network, which needs the daemon's --ipv4cidr, --ipv6cidr and --lookup-by-host (taken"
          + " from DIR/serve.options as the times are). Rows kept with --privacy (hashed keys)"
          + " cannot be placed: such a cluster fills from live traffic."
    })
final class DbCopyCommand implements Callable<Integer> {
  @Option(
      names = "--from",
      required = true,
      paramLabel = "DIR|URL",
      description =
          "The store to read: an LMDB directory, or redis://..., rediss://...,"
              + " redis-cluster://...")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "DIR|URL",
      description =
          "The store to fill: an LMDB directory, or redis://..., rediss://...,"
              + " redis-cluster://...")
  String to;

  /**
   * The daemon's settings a copy needs: its greylisting times, for the rows' TTLs in Redis, and how
   * to reach Redis; taken as the daemon declares them.
   */
  /** How the daemon groups clients into networks: a cluster places rows by them. */
  static final List<Setting<?>> NETWORKS =
      List.of(
          GreylistSettings.LOOKUP_BY_HOST, GreylistSettings.IPV4CIDR, GreylistSettings.IPV6CIDR);

  static final List<Setting<?>> SETTINGS =
      Stream.of(GreylistSettings.TIMES, NETWORKS, Stores.SHARED_STORE_SETTINGS)
          .flatMap(List::stream)
          .toList();

  /** Adds {@link #SETTINGS}' options. */
  static final class Options implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return SettingOptions.addTo(spec, SETTINGS);
    }
  }

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (StoreLocation.isShared(from) && StoreLocation.isShared(to)) {
      throw new GreygateCli.UsageError("--from and --to are both Redis: one side must be LMDB");
    }
    Settings settings = settings();
    Expiry expiry = GreylistSettings.expiry(settings);
    long started = System.nanoTime();
    StoreCopy.Summary s;
    try (TripletStore source = open("from", from, expiry, settings, true);
        TripletStore target = open("to", to, expiry, settings, false)) {
      StoreCopy.Placement placement = StoreCopy.Placement.NONE;
      if (target.groupsRowsByUnit()) {
        if (!StoreLocation.isShared(from)
            && java.nio.file.Files.exists(Path.of(from).resolve(PrivacySecret.FILE))) {
          err.println(
              "greygate: --from "
                  + from
                  + " keeps its keys hashed (--privacy, "
                  + PrivacySecret.FILE
                  + "), and a Redis Cluster places each row by its client's network, which a"
                  + " hashed key hides: nothing copied. Point the daemons at the cluster (with"
                  + " the same "
                  + PrivacySecret.FILE
                  + ") and it fills from live traffic, or copy to a single redis:// server.");
          return GreygateCli.EXIT_USAGE;
        }
        placement = placement(GreylistSettings.config(settings));
      }
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
              placement,
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

  /**
   * Where plain rows go in a cluster: a triplet by the network its key starts with, a client by its
   * address's network under the daemon's prefix lengths, as the daemon names their units.
   */
  static StoreCopy.Placement placement(GreylistConfig config) {
    TripletKeys keys = new TripletKeys(config, KeyHasher.PLAIN);
    return new StoreCopy.Placement() {
      @Override
      public String tripletUnit(String key) {
        return TripletKeys.unitOfPlainTriplet(key);
      }

      @Override
      public String clientUnit(String key) {
        IpAddress a = IpAddress.parse(key);
        return a == null ? null : keys.unit(a); // not an address: no daemon reads it by network
      }
    };
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

  /**
   * The daemon's times as it recorded them in the LMDB side's directory (the source's first), else
   * as declared; the command line's replacing them.
   */
  private Settings settings() {
    Settings recorded = Settings.DEFAULTS;
    for (String side : List.of(to, from)) {
      if (!StoreLocation.isShared(side) && RecordedOptions.find(Path.of(side)) != null) {
        recorded =
            RecordedOptions.settings(
                Path.of(side),
                Stream.concat(GreylistSettings.TIMES.stream(), NETWORKS.stream()).toList());
      }
    }
    return recorded.and(SettingOptions.read(spec, SETTINGS));
  }

  private TripletStore open(
      String name, String where, Expiry expiry, Settings settings, boolean readOnly) {
    String option = "--" + name;
    StoreLocation location = StoreLocation.of(where, name, settings, Duration.ofSeconds(10));
    if (readOnly
        && location instanceof StoreLocation.Lmdb lmdb
        && !java.nio.file.Files.isRegularFile(lmdb.dir().resolve("data.mdb"))) {
      throw new GreygateCli.UsageError(option + " " + where + ": no greygate database there");
    }
    return Stores.open(
        location, readOnly ? Stores.Access.INSPECT : Stores.Access.TOOL, expiry, Duration.ZERO);
  }

  private static boolean hasCounters(TripletStore store) {
    boolean[] any = {false};
    store.forEachDecisionCount(0, Long.MAX_VALUE, c -> any[0] = true);
    return any[0];
  }
}
