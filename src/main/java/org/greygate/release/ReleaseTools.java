package org.greygate.release;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Tool;
import org.greygate.feature.ToolRun;
import org.greygate.files.PrivateFiles;
import org.greygate.store.StoreException;
import org.greygate.store.TripletStore;

/**
 * {@code greygate greylisted} and {@code greygate release}: what waits out its delay now, and
 * letting it pass at its next attempt. Both work on the store the daemon recorded: a shared store
 * directly (its steps are atomic beside the daemons), the embedded database read beside the daemon
 * and, for a release while the daemon holds it, through a request file the daemon applies.
 */
final class ReleaseTools {
  private ReleaseTools() {}

  static final List<Tool.Group> GROUPS =
      List.of(
          new Tool.Group(
              "greylisted", "List the greylisted triplets waiting now.", List.of(new Listing())),
          new Tool.Group(
              "release",
              "Let waiting greylisted mail pass at its next attempt.",
              List.of(new Release())));

  /** How long the command waits for the running daemon to take a request. */
  static final long HAND_OVER_SECONDS = 15;

  /** {@code greygate greylisted}. */
  static final class Listing implements Tool {
    @Override
    public String name() {
      return "greylisted";
    }

    @Override
    public List<String> description() {
      return List.of(
          "List the greylisted triplets waiting now, oldest first: FIRST-SEEN LAST-SEEN"
              + " NEXT-RETRY-FROM CLIENT SENDER RECIPIENT (times in UTC).",
          "Only reads: safe while the daemon runs (its last writes reach the disk within a"
              + " commit interval). A selector that matches nothing exits 1.");
    }

    @Override
    public List<Setting<?>> settings() {
      return ReleaseSettings.SELECTORS;
    }

    @Override
    public Parameter parameter() {
      return null;
    }

    @Override
    public int run(ToolRun run) {
      long now = run.clock().instant().getEpochSecond();
      Selector s = selector(run, now, false);
      Keying k = keying(run);
      if (k.privacy() && s.narrows()) Releases.requireExact(s);
      if (k.privacy() && !s.narrows()) {
        throw new IllegalArgumentException(
            "the daemon runs with --privacy: its store keeps keyed hashes of the triplets, not"
                + " addresses, so they cannot be listed; give --client=ADDRESS --sender=ADDRESS"
                + " --recipient=ADDRESS to look one up");
      }
      List<Waiting> found;
      try (TripletStore store = read(run)) {
        found = Releases.waiting(store, k, s, now, run.dbdir(), Integer.MAX_VALUE);
      }
      PrintWriter out = run.out();
      if (found.isEmpty()) {
        if (s.narrows()) {
          run.err().println("greygate: nothing waiting matches " + visible(s.describe()));
          return 1;
        }
        out.println("(nothing is waiting)");
        out.flush();
        return 0;
      }
      out.printf(
          Locale.ROOT,
          "%-20s %-20s %8s %-20s %-18s %s %s%n",
          "FIRST-SEEN",
          "LAST-SEEN",
          "ATTEMPTS",
          "NEXT-RETRY-FROM",
          "CLIENT",
          "SENDER",
          "RECIPIENT");
      for (Waiting w : found) {
        out.printf(
            Locale.ROOT,
            "%-20s %-20s %8s %-20s %-18s %s %s%n",
            Instant.ofEpochSecond(w.firstSeen()),
            Instant.ofEpochSecond(w.lastSeen()),
            w.attempts() > 0 ? Long.toString(w.attempts()) : "?",
            Instant.ofEpochSecond(w.nextRetry()),
            visible(w.net()),
            w.sender().isEmpty() ? "<>" : visible(w.sender()),
            visible(w.recipient()));
      }
      out.println(found.size() + " waiting");
      out.flush();
      return 0;
    }
  }

  /** {@code greygate release}. */
  static final class Release implements Tool {
    @Override
    public String name() {
      return "release";
    }

    @Override
    public List<String> description() {
      return List.of(
          "Let the waiting triplets that the selectors match pass at their next attempt (within"
              + " the retry window): the sender's server retries on its own schedule.",
          "At least one selector, or --all. While the daemon runs it does the release (within a"
              + " second) and logs who asked; otherwise, or on a shared store, this command does.",
          "Exit 1 when nothing waiting matches.");
    }

    @Override
    public List<Setting<?>> settings() {
      List<Setting<?>> out = new ArrayList<>(ReleaseSettings.SELECTORS);
      out.add(ReleaseSettings.ALL_WAITING);
      return out;
    }

    @Override
    public Parameter parameter() {
      return null;
    }

    @Override
    public int run(ToolRun run) throws Exception {
      long now = run.clock().instant().getEpochSecond();
      Selector s = selector(run, now, true);
      Keying k = keying(run);
      if (k.privacy()) Releases.requireExact(s);
      PrintWriter out = run.out();
      if (run.sharedStore() != null) {
        try (TripletStore store = run.openShared()) {
          List<Waiting> found = Releases.waiting(store, k, s, now, run.dbdir(), Integer.MAX_VALUE);
          if (found.isEmpty()) return nothing(run, s);
          int n = Releases.release(store, k, found, now, "cli");
          out.println(
              "released "
                  + n
                  + " waiting triplets in "
                  + run.sharedStore()
                  + ": they pass at their next attempt");
          out.flush();
          return n > 0 ? 0 : nothing(run, s);
        }
      }
      List<Waiting> seen;
      try (TripletStore store = run.inspect()) {
        seen = Releases.waiting(store, k, s, now, run.dbdir(), Integer.MAX_VALUE);
      }
      if (seen.isEmpty()) return nothing(run, s);
      TripletStore store;
      try {
        store = run.openForWriting();
      } catch (StoreException.InUse e) {
        return handOver(run, s, seen.size());
      }
      try (store) {
        int n =
            Releases.release(
                store,
                k,
                Releases.waiting(store, k, s, now, run.dbdir(), Integer.MAX_VALUE),
                now,
                "cli");
        out.println("released " + n + " waiting triplets: they pass at their next attempt");
        out.flush();
        return n > 0 ? 0 : nothing(run, s);
      }
    }

    private static int nothing(ToolRun run, Selector s) {
      run.err().println("greygate: nothing waiting matches " + visible(s.describe()));
      return 1;
    }

    /**
     * The daemon holds the database: leave it a request (made at a random name, renamed into place:
     * nothing planted in the directory is followed) and wait for it to be taken.
     */
    private static int handOver(ToolRun run, Selector s, int seen) throws Exception {
      Path dbdir = run.dbdir();
      try (WatchService watcher = dbdir.getFileSystem().newWatchService()) {
        dbdir.register(watcher, StandardWatchEventKinds.ENTRY_DELETE);
        Path tmp = PrivateFiles.createTemp(dbdir, ".release-");
        String id = tmp.getFileName().toString().replaceAll("^\\.release-|\\.tmp$", "");
        Path request = dbdir.resolve("release-" + id + ".request");
        Files.writeString(
            tmp,
            String.join("\n", s.toLines()) + "\n",
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
        Files.move(tmp, request, StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HAND_OVER_SECONDS);
        while (Files.exists(request, LinkOption.NOFOLLOW_LINKS)) {
          long left = deadline - System.nanoTime();
          WatchKey key = left > 0 ? watcher.poll(left, TimeUnit.NANOSECONDS) : null;
          if (key == null) {
            Files.deleteIfExists(request);
            run.err()
                .println(
                    "greygate: the daemon holding "
                        + dbdir
                        + " did not take the release within "
                        + HAND_OVER_SECONDS
                        + " s; nothing was released");
            return 1;
          }
          key.pollEvents();
          key.reset();
        }
      }
      run.out()
          .println(
              "released by the running daemon: "
                  + seen
                  + " waiting triplets matched "
                  + visible(s.describe())
                  + "; they pass at their next attempt (the daemon's log says how many it"
                  + " released)");
      run.out().flush();
      return 0;
    }
  }

  /** The selectors given; a release must narrow or say {@code --all}. */
  static Selector selector(ToolRun run, long now, boolean release) {
    Settings g = run.settings();
    boolean all = release && g.get(ReleaseSettings.ALL_WAITING);
    Selector s =
        Selector.parse(
            g.get(ReleaseSettings.SENDER),
            g.get(ReleaseSettings.RECIPIENT),
            g.get(ReleaseSettings.CLIENT),
            g.get(ReleaseSettings.SINCE),
            all,
            now);
    if (release && !s.narrows() && !s.all()) {
      throw new IllegalArgumentException(
          "say what to release: --sender, --recipient, --client or --since (or --all for every"
              + " waiting triplet)");
    }
    if (s.all() && s.narrows()) {
      throw new IllegalArgumentException("--all releases everything: give it without selectors");
    }
    return s;
  }

  static Keying keying(ToolRun run) {
    if (run.sharedStore() == null) run.requireDatabase();
    return Keying.of(run.recorded(Keying.SETTINGS));
  }

  /** The daemon's store to read: the shared one it recorded, else its database beside it. */
  static TripletStore read(ToolRun run) {
    return run.sharedStore() != null ? run.openShared() : run.inspect();
  }
}
