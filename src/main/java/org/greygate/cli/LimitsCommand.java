package org.greygate.cli;

import static org.greygate.logline.TerminalText.visible;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.greygate.files.PrivateFiles;
import org.greygate.ratelimit.LimitResets;
import org.greygate.ratelimit.RateLimitPolicy;
import org.greygate.ratelimit.RateRule;
import org.greygate.ratelimit.RateRules;
import org.greygate.store.StoreException;
import org.greygate.store.lmdb.LmdbStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The rate-limit counters in the store. Their keys are what clients sent (a sender, a SASL name):
 * printed with control characters shown ({@code \x1b}), never sent to the terminal.
 */
@Command(
    name = "limits",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = "Show or reset the rate-limit counters (docs/outbound.md).",
    subcommands = {LimitsCommand.Show.class, LimitsCommand.Reset.class})
public final class LimitsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("greygate limits: give a subcommand (show, reset)");
    spec.commandLine().usage(spec.commandLine().getErr());
    return GreygateCli.EXIT_USAGE;
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Print every rate-limit counter that holds something now: RULE KEY SUM LIMIT WINDOW.",
        "Only reads: safe while the daemon runs (counts reach the disk within a commit interval)."
      })
  static final class Show implements Callable<Integer> {
    @Mixin DbdirOption db;

    @Option(
        names = "--rules",
        paramLabel = "FILE",
        description = "The daemon's rules file, for the LIMIT column (and FILE.local's limits).")
    Path rules;

    @Parameters(
        arity = "0..1",
        paramLabel = "KEY",
        description = "Only this key (an account, address, domain or network), in every rule.")
    String key;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Map<String, RateRule> byName = new HashMap<>();
      RateRules loaded = RateRules.NONE;
      if (rules != null) {
        try {
          loaded = RateRules.load(rules);
        } catch (RateRules.Invalid e) {
          err.println("greygate: " + e.getMessage());
          return GreygateCli.EXIT_USAGE;
        }
        for (RateRule r : loaded.rules()) byName.put(r.name(), r);
      }
      RateRules known = loaded;
      String only = key == null ? null : key.toLowerCase(Locale.ROOT);
      long now = Clock.systemUTC().instant().getEpochSecond();
      long[] shown = {0};
      try (LmdbStore store = LmdbStore.openDryRun(db.dbdir)) {
        store.forEachWindow(
            "rate/",
            now,
            (k, window, sum) -> {
              int slash = k.indexOf('/', 5);
              if (slash < 0) return;
              String rule = k.substring(5, slash);
              String value = k.substring(slash + 1);
              if (only != null && !value.equals(only)) return;
              RateRule r = byName.get(rule);
              out.printf(
                  Locale.ROOT,
                  "%-16s %-40s %10d %10s %8s%n",
                  visible(rule),
                  visible(value),
                  sum,
                  r == null ? "-" : Long.toString(known.limit(r, value)),
                  RateLimitPolicy.window(window));
              shown[0]++;
            });
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      if (shown[0] == 0) {
        out.println(
            only == null
                ? "(no counter holds anything now)"
                : "(nothing counted for " + visible(key) + ")");
      }
      out.flush();
      return GreygateCli.EXIT_OK;
    }
  }

  @Command(
      name = "reset",
      mixinStandardHelpOptions = true,
      description = {
        "Empty the counters of KEY (in every rule, or in --rule only): after review, let an"
            + " account send again.",
        "While the daemon runs it does the reset (within a second); otherwise this command does."
      })
  static final class Reset implements Callable<Integer> {
    @Mixin DbdirOption db;

    @Option(names = "--rule", paramLabel = "NAME", description = "Only this rule's counter.")
    String rule;

    @Parameters(paramLabel = "KEY", description = "An account, address, domain or network.")
    String key;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (key.isBlank() || key.chars().anyMatch(c -> c <= ' ')) {
        throw new GreygateCli.UsageError("KEY must be one word, got '" + visible(key) + "'");
      }
      if (!java.nio.file.Files.isDirectory(db.dbdir)) {
        throw new GreygateCli.UsageError("--dbdir " + db.dbdir + ": no such directory");
      }
      LmdbStore store;
      try {
        store = LmdbStore.open(db.dbdir);
      } catch (StoreException.Unavailable e) {
        if (!String.valueOf(e.getMessage()).contains("in use")) {
          err.println("greygate: " + e.getMessage());
          return GreygateCli.EXIT_FAILURE;
        }
        return handOver(out, err);
      }
      try (store) {
        int n = LimitResets.reset(store, key, rule, Clock.systemUTC().instant().getEpochSecond());
        store.flush();
        out.println(
            "reset "
                + visible(key)
                + (rule == null ? "" : " in " + visible(rule))
                + ": "
                + n
                + " counters emptied");
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      out.flush();
      return GreygateCli.EXIT_OK;
    }

    /**
     * The daemon holds the store: leave it a request and wait (on the directory's events, at most
     * 15 s) for the daemon to take it.
     */
    private int handOver(PrintWriter out, PrintWriter err) throws Exception {
      try (java.nio.file.WatchService watcher = db.dbdir.getFileSystem().newWatchService()) {
        db.dbdir.register(watcher, java.nio.file.StandardWatchEventKinds.ENTRY_DELETE);
        // created exclusively at a random name: nothing planted in the directory is followed
        Path tmp = PrivateFiles.createTemp(db.dbdir, ".limits-reset-");
        String id = tmp.getFileName().toString().replaceAll("^\\.limits-reset-|\\.tmp$", "");
        Path request = db.dbdir.resolve("limits-reset-" + id + ".request");
        java.nio.file.Files.writeString(
            tmp,
            key + (rule == null ? "" : " " + rule) + "\n",
            java.nio.file.StandardOpenOption.WRITE,
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        java.nio.file.Files.move(tmp, request, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (java.nio.file.Files.exists(request)) {
          long left = deadline - System.nanoTime();
          java.nio.file.WatchKey k =
              left > 0 ? watcher.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS) : null;
          if (k == null) {
            java.nio.file.Files.deleteIfExists(request);
            err.println(
                "greygate: the daemon holding " + db.dbdir + " did not take the reset within 15 s");
            return GreygateCli.EXIT_FAILURE;
          }
          k.pollEvents();
          k.reset();
        }
      }
      out.println(
          "reset "
              + visible(key)
              + (rule == null ? "" : " in " + visible(rule))
              + ": done by the running daemon (its log says how many counters)");
      out.flush();
      return GreygateCli.EXIT_OK;
    }
  }
}
