package org.greygate.ratelimit;

import static org.greygate.logline.TerminalText.visible;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.greygate.config.Setting;
import org.greygate.config.Suggestions;
import org.greygate.config.Values;
import org.greygate.feature.Tool;
import org.greygate.feature.ToolRun;
import org.greygate.files.PrivateFiles;
import org.greygate.store.StoreException;
import org.greygate.store.TripletStore;

/**
 * {@code greygate limits show} and {@code greygate limits reset}: the rate-limit counters in the
 * store. Their keys are what clients sent (a sender, a SASL name): printed with control characters
 * shown ({@code \x1b}), never sent to the terminal.
 */
final class LimitsTools {
  private LimitsTools() {}

  static final Tool.Group GROUP =
      new Tool.Group(
          "limits",
          "Show or reset the rate-limit counters (docs/outbound.md).",
          List.of(new Show(), new Reset()));

  static final Setting<Path> RULES_SHOWN =
      Setting.value(
          "rules",
          "FILE",
          null,
          Values.PATH,
          "The daemon's rules file, for the LIMIT column (and FILE.local's limits); default: the"
              + " one the daemon recorded in DBDIR/serve.options when it started.");

  static final Setting<Path> RULES_CHECKED =
      Setting.value(
          "rules",
          "FILE",
          null,
          Values.PATH,
          "The daemon's rules file, to check --rule against; default: the one the daemon recorded"
              + " in DBDIR/serve.options when it started.");

  static final Setting<String> RULE =
      Setting.value(
          "rule",
          "NAME",
          null,
          Values.TEXT,
          "Only this rule's counter; a name the rules file does not have is refused.");

  /** Every rate-limit counter holding something now. */
  static final class Show implements Tool {
    @Override
    public String name() {
      return "show";
    }

    @Override
    public List<String> description() {
      return List.of(
          "Print every rate-limit counter that holds something now: RULE KEY SUM LIMIT WINDOW.",
          "Only reads: safe while the daemon runs (counts reach the disk within a commit"
              + " interval).");
    }

    @Override
    public List<Setting<?>> settings() {
      return List.of(RULES_SHOWN);
    }

    @Override
    public Parameter parameter() {
      return new Parameter(
          "KEY",
          "Only this key, in every rule: an account, address, domain or network. An address"
              + " also shows the networks counting it (203.0.113.7: 203.0.113.0/24 of a"
              + " client_address/24 rule), a mail address its domain's counters.",
          false);
    }

    @Override
    public int run(ToolRun run) {
      PrintWriter out = run.out();
      run.requireDatabase();
      RateRules known = rules(run, run.settings().get(RULES_SHOWN));
      Map<String, RateRule> byName = new HashMap<>();
      if (known != null) {
        for (RateRule r : known.rules()) byName.put(r.name(), r);
      }
      String key = run.parameter();
      LimitKey only = key == null ? null : LimitKey.parse(key);
      long shown = 0;
      for (LimitResets.Counter c : counters(run)) {
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
      return 0;
    }
  }

  /** Empties a key's counters, or hands the reset to the daemon holding the store. */
  static final class Reset implements Tool {
    @Override
    public String name() {
      return "reset";
    }

    @Override
    public List<String> description() {
      return List.of(
          "Empty the counters of KEY (in every rule, or in --rule only): after review, let an"
              + " account send again.",
          "KEY's own counters only: an address is not reset in the network counting it (name the"
              + " network for that: 203.0.113.0/24), an account not in its domain's counter.",
          "While the daemon runs it does the reset (within a second); otherwise this command"
              + " does.");
    }

    @Override
    public List<Setting<?>> settings() {
      return List.of(RULE, RULES_CHECKED);
    }

    @Override
    public Parameter parameter() {
      return new Parameter("KEY", "An account, address, domain or network.", true);
    }

    @Override
    public int run(ToolRun run) throws Exception {
      PrintWriter out = run.out();
      PrintWriter err = run.err();
      String key = run.parameter();
      String rule = run.settings().get(RULE);
      if (key.isBlank() || key.chars().anyMatch(c -> c <= ' ')) {
        throw new IllegalArgumentException("KEY must be one word, got '" + visible(key) + "'");
      }
      run.requireDatabase();
      List<LimitResets.Counter> now = counters(run);
      if (rule != null) requireKnownRule(now, rule, rules(run, run.settings().get(RULES_CHECKED)));
      LimitKey k = LimitKey.parse(key);
      TripletStore store;
      try {
        store = run.openForWriting();
      } catch (StoreException.InUse e) {
        // the daemon holds the live counters (the disk is up to a commit behind): it decides
        return handOver(run, key, rule);
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return 1;
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
          return 0;
        }
        int n = LimitResets.reset(store, key, rule, run.clock().instant().getEpochSecond());
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
        return 1;
      }
      out.flush();
      return 0;
    }

    /**
     * A rule is known from the rules file (given, or the daemon's), or, without one, from the
     * counters: a misspelt name is refused, not answered "nothing to reset".
     */
    private static void requireKnownRule(
        List<LimitResets.Counter> now, String rule, RateRules known) {
      Set<String> names = new TreeSet<>();
      if (known != null) known.rules().forEach(r -> names.add(r.name()));
      now.forEach(c -> names.add(c.rule()));
      if (names.contains(rule)) return;
      String near = Suggestions.nearest(rule, names);
      String shown = "--rule " + visible(rule) + ": ";
      if (known == null) {
        throw new IllegalArgumentException(
            shown
                + "no counter holds anything under that rule, and no rules file is known (give"
                + " --rules FILE, the daemon's)"
                + (near == null ? "" : "; did you mean " + visible(near) + "?"));
      }
      throw new IllegalArgumentException(
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
    private static int handOver(ToolRun run, String key, String rule) throws Exception {
      Path dbdir = run.dbdir();
      try (WatchService watcher = dbdir.getFileSystem().newWatchService()) {
        dbdir.register(watcher, StandardWatchEventKinds.ENTRY_DELETE);
        // created exclusively at a random name: nothing planted in the directory is followed
        Path tmp = PrivateFiles.createTemp(dbdir, ".limits-reset-");
        String id = tmp.getFileName().toString().replaceAll("^\\.limits-reset-|\\.tmp$", "");
        Path request = dbdir.resolve("limits-reset-" + id + ".request");
        Files.writeString(
            tmp,
            key + (rule == null ? "" : " " + rule) + "\n",
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
        Files.move(tmp, request, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (Files.exists(request)) {
          long left = deadline - System.nanoTime();
          WatchKey k = left > 0 ? watcher.poll(left, TimeUnit.NANOSECONDS) : null;
          if (k == null) {
            Files.deleteIfExists(request);
            run.err()
                .println(
                    "greygate: the daemon holding "
                        + dbdir
                        + " did not take the reset within 15 s");
            return 1;
          }
          k.pollEvents();
          k.reset();
        }
      }
      run.out()
          .println(
              "reset "
                  + visible(key)
                  + (rule == null ? "" : " in " + visible(rule))
                  + ": done by the running daemon (its log says how many counters)");
      run.out().flush();
      return 0;
    }
  }

  /**
   * The rules: {@code --rules} as given (a broken file is a usage error), else the file the daemon
   * recorded (a broken one is a warning: the admin did not name it); null when neither.
   */
  static RateRules rules(ToolRun run, Path given) {
    if (given != null) {
      try {
        return RateRules.load(given);
      } catch (RateRules.Invalid e) {
        throw new IllegalArgumentException("--rules " + e.getMessage());
      }
    }
    Path recorded;
    try {
      recorded = run.recorded(List.of(RateLimitSettings.RULES)).get(RateLimitSettings.RULES);
    } catch (IllegalArgumentException e) {
      return null; // an unusable recorded path: as if none (the daemon could not have started)
    }
    if (recorded == null) return null;
    try {
      return RateRules.load(recorded);
    } catch (RateRules.Invalid e) {
      run.err()
          .println(
              "greygate: warning: the daemon's rules file, as recorded in "
                  + run.recordedFile()
                  + ", cannot be used: "
                  + e.getMessage()
                  + " (give --rules FILE)");
      return null;
    }
  }

  /** The counters holding something now, read beside the daemon. */
  static List<LimitResets.Counter> counters(ToolRun run) {
    try (TripletStore store = run.inspect()) {
      return LimitResets.counters(store, run.clock().instant().getEpochSecond());
    }
  }
}
