package org.greygate.cli;

import static org.greygate.logline.TerminalText.visible;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.greygate.app.Stores;
import org.greygate.files.PrivateFiles;
import org.greygate.ratelimit.LimitKey;
import org.greygate.ratelimit.LimitResets;
import org.greygate.ratelimit.RateLimitPolicy;
import org.greygate.ratelimit.RateLimitSettings;
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
        description =
            "The daemon's rules file, for the LIMIT column (and FILE.local's limits); default:"
                + " the one the daemon recorded in DBDIR/serve.options when it started.")
    Path rules;

    @Parameters(
        arity = "0..1",
        paramLabel = "KEY",
        description =
            "Only this key, in every rule: an account, address, domain or network. An address"
                + " also shows the networks counting it (203.0.113.7: 203.0.113.0/24 of a"
                + " client_address/24 rule), a mail address its domain's counters.")
    String key;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      db.requireDatabase();
      RateRules known = rules(rules, db.dbdir, err);
      Map<String, RateRule> byName = new HashMap<>();
      if (known != null) {
        for (RateRule r : known.rules()) byName.put(r.name(), r);
      }
      LimitKey only = key == null ? null : LimitKey.parse(key);
      long shown = 0;
      for (LimitResets.Counter c : counters(db.dbdir)) {
        if (only != null && !only.is(c.value()) && !only.within(c.value())) continue;
        RateRule r = byName.get(c.rule());
        out.printf(
            Locale.ROOT,
            "%-16s %-40s %10d %10s %8s%n",
            visible(c.rule()),
            visible(c.value()),
            c.sum(),
            r == null ? "-" : Long.toString(known.limit(r, c.value())),
            RateLimitPolicy.window(c.window()));
        shown++;
      }
      if (shown == 0) {
        out.println(
            only == null
                ? "(no counter holds anything now)"
                : "(nothing counted for " + visible(key) + ")");
      }
      out.flush();
      return GreygateCli.EXIT_OK;
    }
  }

  /**
   * The rules: {@code --rules} as given (a broken file is a usage error), else the file the daemon
   * recorded in {@code dbdir} (a broken one is a warning: the admin did not name it); null when
   * neither.
   */
  static RateRules rules(Path given, Path dbdir, PrintWriter err) {
    if (given != null) {
      try {
        return RateRules.load(given);
      } catch (RateRules.Invalid e) {
        throw new GreygateCli.UsageError("--rules " + e.getMessage());
      }
    }
    Path recorded =
        RecordedOptions.settings(dbdir, List.of(RateLimitSettings.RULES))
            .get(RateLimitSettings.RULES);
    if (recorded == null) return null;
    try {
      return RateRules.load(recorded);
    } catch (RateRules.Invalid | java.nio.file.InvalidPathException e) {
      err.println(
          "greygate: warning: the daemon's rules file, as recorded in "
              + dbdir.resolve(RecordedOptions.FILE)
              + ", cannot be used: "
              + e.getMessage()
              + " (give --rules FILE)");
      return null;
    }
  }

  /** The counters holding something now, read beside the daemon. */
  static List<LimitResets.Counter> counters(Path dbdir) {
    try (LmdbStore store = Stores.lmdb(dbdir, Stores.Access.INSPECT)) {
      return LimitResets.counters(store, Clock.systemUTC().instant().getEpochSecond());
    } catch (StoreException e) {
      throw new GreygateCli.Failure(e.getMessage());
    }
  }

  @Command(
      name = "reset",
      mixinStandardHelpOptions = true,
      description = {
        "Empty the counters of KEY (in every rule, or in --rule only): after review, let an"
            + " account send again.",
        "KEY's own counters only: an address is not reset in the network counting it (name the"
            + " network for that: 203.0.113.0/24), an account not in its domain's counter.",
        "While the daemon runs it does the reset (within a second); otherwise this command does."
      })
  static final class Reset implements Callable<Integer> {
    @Mixin DbdirOption db;

    @Option(
        names = "--rule",
        paramLabel = "NAME",
        description = "Only this rule's counter; a name the rules file does not have is refused.")
    String rule;

    @Option(
        names = "--rules",
        paramLabel = "FILE",
        description =
            "The daemon's rules file, to check --rule against; default: the one the daemon"
                + " recorded in DBDIR/serve.options when it started.")
    Path rules;

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
      db.requireDatabase();
      List<LimitResets.Counter> now = counters(db.dbdir);
      if (rule != null) requireKnownRule(now, rules(rules, db.dbdir, err));
      LimitKey k = LimitKey.parse(key);
      LmdbStore store;
      try {
        store = Stores.lmdb(db.dbdir, Stores.Access.TOOL);
      } catch (StoreException.InUse e) {
        // the daemon holds the live counters (the disk is up to a commit behind): it decides
        return handOver(out, err);
      } catch (StoreException.Unavailable e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      try (store) {
        if (LimitResets.of(now, k, rule).isEmpty()) {
          List<String> part = new ArrayList<>();
          for (LimitResets.Counter c : now) {
            if (k.within(c.value()) && (rule == null || c.rule().equals(rule))) {
              part.add(visible(c.rule()) + " " + visible(c.value()));
            }
          }
          out.println(
              "nothing to reset: no counter of "
                  + visible(key)
                  + (rule == null ? "" : " in " + visible(rule))
                  + " holds anything"
                  + (part.isEmpty()
                      ? ""
                      : " (counted as part of: " + String.join(", ", part) + ")"));
          out.flush();
          return GreygateCli.EXIT_OK;
        }
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
     * A rule is known from the rules file (given, or the daemon's), or, without one, from the
     * counters: a misspelt name is refused, not answered "nothing to reset".
     */
    private void requireKnownRule(List<LimitResets.Counter> now, RateRules known) {
      java.util.Set<String> names = new java.util.TreeSet<>();
      if (known != null) known.rules().forEach(r -> names.add(r.name()));
      now.forEach(c -> names.add(c.rule()));
      if (names.contains(rule)) return;
      String near = Suggestions.nearest(rule, names);
      String shown = "--rule " + visible(rule) + ": ";
      if (known == null) {
        throw new GreygateCli.UsageError(
            shown
                + "no counter holds anything under that rule, and no rules file is known (give"
                + " --rules FILE, the daemon's)"
                + (near == null ? "" : "; did you mean " + visible(near) + "?"));
      }
      throw new GreygateCli.UsageError(
          shown
              + "no such rule"
              + (near != null
                  ? "; did you mean " + visible(near) + "?"
                  : " (the rules: " + visible(String.join(", ", names)) + ")"));
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
