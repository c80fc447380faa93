package org.greygate.queue.spool;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches Postfix's queue directories through the kernel's file events (inotify, through the JDK's
 * {@link WatchService}) and alerts on what Postfix never does ({@link SpoolRules}): one line per
 * finding ({@code action=queue-alert, alert=spool-KIND, ...}, at WARN, JSON with {@code
 * --log-format=json}) and the counter {@code greygate_spool_alerts_total{kind}}.
 *
 * <p>Hash directories ({@code deferred/6}) are watched as they appear, and scanned when they do (a
 * file moved in before the watch took hold is not missed). The whole spool is scanned at start,
 * when the kernel's event queue overflowed, and every hour.
 *
 * <p>Bounded: files are read with lstat only (a link is never followed, content never read); it
 * remembers at most {@link #MAX_TRACKED} file sizes and {@link #MAX_ALERTED} alerts said (one alert
 * per file and state, not one per event), watches at most {@link #MAX_DIRECTORIES} directories, and
 * runs on its own thread, never on a path that answers Postfix.
 */
public final class SpoolWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpoolWatch.class);
  private static final Logger events = LoggerFactory.getLogger("greygate.queue");

  static final int MAX_TRACKED = 200_000;
  static final int MAX_ALERTED = 10_000;
  static final int MAX_DIRECTORIES = 512;
  static final long RESCAN_SECONDS = 3600;
  static final long OVERFLOW_SCAN_SECONDS = 5;

  static final Meter ALERTS =
      Meter.counter(
          "greygate_spool_alerts_total",
          "Spool integrity alerts, by kind (owner, type, mode, name, in-place, modified,"
              + " directory)",
          "kind");

  static final List<String> KINDS =
      List.of("owner", "type", "mode", "name", "in-place", "modified", "directory");

  private final SpoolConfig config;
  private final Metrics metrics;
  private final boolean json;
  private final Clock clock;
  private final Path root;
  private final Map<WatchKey, Place> keys = new HashMap<>();
  private final Map<Path, Long> sizes = new HashMap<>();
  private final Map<String, Boolean> alerted =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > MAX_ALERTED;
        }
      };
  private WatchService watcher;
  private volatile Thread thread;
  private volatile boolean closed;
  private long nextScan;
  private long lastScan;
  private boolean scanPending;
  private boolean sizesFull;
  private Consumer<Finding> listener = f -> {};

  /** A watched directory: the queue directory itself ({@code queue == null}), a queue, a hash. */
  private record Place(Path dir, String queue, int depth) {}

  /**
   * @param json log alerts as JSON objects (as {@code --log-format=json} does decisions)
   */
  public SpoolWatch(SpoolConfig config, Metrics metrics, boolean json, Clock clock) {
    metrics.declare(ALERTS);
    // every kind there from the first scrape, at 0: increase() sees the first alert
    for (String kind : KINDS) metrics.add(ALERTS, 0, kind);
    this.config = config;
    this.metrics = metrics;
    this.json = json;
    this.clock = clock;
    this.root = config.root();
  }

  /**
   * The watch {@code --spool-watch} asks for (not started), or null without it.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  public static SpoolWatch ifEnabled(
      org.greygate.config.Settings settings, Metrics metrics, boolean json, Clock clock) {
    SpoolConfig c = SpoolSettings.ifEnabled(settings);
    return c == null ? null : new SpoolWatch(c, metrics, json, clock);
  }

  /** {@link #start}, a failure logged: the daemon answers Postfix without its spool watch. */
  public void startOrLog() {
    try {
      start();
    } catch (IOException | RuntimeException e) {
      log.error("spool watch: cannot watch {}; running without it", root, e);
    }
  }

  /** For tests: the size remembered for a complete settled file, or null. */
  synchronized Long trackedSize(Path file) {
    return sizes.get(file);
  }

  /**
   * Sees each finding as it is logged (the response hooks; tests). Set before {@link #start}; the
   * listener runs on the watch's thread and must not block.
   */
  public void onFinding(Consumer<Finding> listener) {
    this.listener = listener;
  }

  /**
   * Registers the directories, scans the spool once (its findings logged) and follows its events on
   * a thread of its own.
   *
   * @throws IOException when the queue directory cannot be watched at all
   */
  public synchronized void start() throws IOException {
    if (thread != null || closed) return;
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(root + " is not a directory");
    }
    watcher = root.getFileSystem().newWatchService();
    keys.put(
        root.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY), new Place(root, null, 0));
    for (String q : SpoolRules.WATCHED) {
      Path dir = root.resolve(q);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) register(dir, q, 0);
    }
    // the first scan runs on the watch's thread: a large queue does not hold up the start
    thread = new Thread(this::loop, "spool-watch");
    thread.setDaemon(true);
    thread.start();
    log.info("spool watch: {} ({} directories watched)", root, keys.size());
  }

  private void loop() {
    try {
      WatchKey key = null; // the first round scans (nextScan is 0)
      while (!closed) {
        try {
          round(key);
        } catch (RuntimeException e) {
          // one file's surprise is logged with its stack trace; the watch goes on
          if (!closed) log.warn("spool watch: an event could not be handled", e);
        }
        long wait = scanPending ? Math.max(1, lastScan + OVERFLOW_SCAN_SECONDS - now()) : 60;
        key = watcher.poll(wait, TimeUnit.SECONDS);
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed
    }
  }

  /** One key's events (or none: the poll timed out), then a scan if one is due. */
  private synchronized void round(WatchKey key) {
    if (key != null && handle(key) && !scanPending) {
      log.warn("spool watch: the kernel's event queue overflowed; scanning the spool");
      scanPending = true;
    }
    long now = now();
    // after an overflow, one scan at most every OVERFLOW_SCAN_SECONDS: a busy queue that keeps
    // overflowing costs a scan per period, not one per event
    if (scanPending && now >= lastScan + OVERFLOW_SCAN_SECONDS || now >= nextScan) scan();
  }

  /** One key's events; true when events were lost. */
  private boolean handle(WatchKey key) {
    Place place = keys.get(key);
    boolean overflow = false;
    for (WatchEvent<?> e : key.pollEvents()) {
      if (e.kind() == OVERFLOW) {
        overflow = true;
        continue;
      }
      if (place == null) continue;
      Path name = (Path) e.context();
      Path path = place.dir().resolve(name);
      if (place.queue() == null) {
        directoryChanged(name.toString());
      } else if (e.kind() == ENTRY_DELETE) {
        sizes.remove(path);
      } else {
        look(place, path);
      }
    }
    if (!key.reset()) keys.remove(key);
    return overflow;
  }

  /** An entry of the queue directory changed: a queue directory created, chmod-ed, replaced. */
  private void directoryChanged(String name) {
    SpoolRules.Expected e = SpoolRules.DIRECTORIES.get(name);
    if (e == null) return;
    Path dir = root.resolve(name);
    checkDirectory(name, e);
    if (SpoolRules.WATCHED.contains(name)
        && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
        && !watched(dir)) {
      register(dir, name, 0);
      scanDirectory(name, dir, 0);
    }
  }

  private boolean watched(Path dir) {
    for (Map.Entry<WatchKey, Place> e : keys.entrySet()) {
      if (e.getValue().dir().equals(dir) && e.getKey().isValid()) return true;
    }
    return false;
  }

  /** A file in a queue (or a hash directory) appeared or changed. */
  private void look(Place place, Path path) {
    SpoolRules.Facts f = facts(place.queue(), path);
    if (f == null) {
      sizes.remove(path);
      return;
    }
    if (SpoolRules.hashDirectory(f, place.depth())) {
      hashDirectory(place.queue(), path, f, place.depth() + 1);
      return;
    }
    judge(f, path);
  }

  private void hashDirectory(String queue, Path dir, SpoolRules.Facts f, int depth) {
    report(
        SpoolRules.directory(
            f.file(), SpoolRules.hashDirectory(), f.mode(), f.owner(), f.group(), config));
    if (!watched(dir)) {
      register(dir, queue, depth);
      scanDirectory(queue, dir, depth); // what moved in before the watch took hold
    }
  }

  private void judge(SpoolRules.Facts f, Path path) {
    List<Finding> found = new ArrayList<>(SpoolRules.file(f, config, now()));
    if (f.regular() && f.complete() && SpoolRules.SETTLED.contains(f.queue())) {
      Long before = sizes.get(path);
      if (before != null && before != f.size()) {
        found.add(
            Finding.of(
                "modified",
                f.queue(),
                "file",
                Finding.name(f.file()),
                "size=" + f.size(),
                "was=" + before));
      }
      if (before != null || sizes.size() < MAX_TRACKED) {
        sizes.put(path, f.size());
      } else if (!sizesFull) {
        sizesFull = true;
        log.warn(
            "spool watch: more than {} queued files; changes to the others go unnoticed until"
                + " some leave",
            MAX_TRACKED);
      }
    }
    // an alert per file, kind and state: a lasting problem is said once, a new one again
    for (Finding x : found) {
      String key = x.kind() + "|" + f.ino() + "|" + x.fields();
      if (alerted.put(key, Boolean.TRUE) == null) log(x);
    }
  }

  private void report(List<Finding> found) {
    for (Finding x : found) {
      if (alerted.put(x.kind() + "|" + x.fields(), Boolean.TRUE) == null) log(x);
    }
  }

  private void log(Finding x) {
    metrics.add(ALERTS, 1, x.kind());
    events.warn(json ? x.json() : x.text());
    listener.accept(x);
  }

  /** The whole spool: directories, then every file of every watched queue. */
  void scan() {
    lastScan = now();
    nextScan = lastScan + RESCAN_SECONDS;
    scanPending = false;
    report(SpoolCheck.directories(config));
    if (sizesFull && sizes.size() < MAX_TRACKED / 2) sizesFull = false;
    for (String q : SpoolRules.WATCHED) {
      Path dir = root.resolve(q);
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) scanDirectory(q, dir, 0);
    }
  }

  /** A queue ({@code depth} 0) or one of its hash directories, and the hash directories below. */
  private void scanDirectory(String queue, Path dir, int depth) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        if (closed) return;
        SpoolRules.Facts f = facts(queue, p);
        if (f == null) continue;
        if (SpoolRules.hashDirectory(f, depth)) {
          report(
              SpoolRules.directory(
                  f.file(), SpoolRules.hashDirectory(), f.mode(), f.owner(), f.group(), config));
          if (!watched(p)) register(p, queue, depth + 1);
          scanDirectory(queue, p, depth + 1);
        } else {
          judge(f, p);
        }
      }
    } catch (IOException e) {
      log.warn("spool watch: cannot list {}: {}", dir, e.toString());
    }
  }

  private void checkDirectory(String name, SpoolRules.Expected e) {
    Path dir = root.resolve(name);
    SpoolRules.Facts f = facts(null, dir);
    if (f == null) return;
    report(SpoolRules.directory(name, e, f.mode(), f.owner(), f.group(), config));
  }

  private void register(Path dir, String queue, int depth) {
    if (keys.size() >= MAX_DIRECTORIES) {
      log.warn("spool watch: more than {} directories; {} is not watched", MAX_DIRECTORIES, dir);
      return;
    }
    try {
      WatchKey k = dir.register(watcher, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
      keys.put(k, new Place(dir, queue, depth));
    } catch (IOException e) {
      log.warn("spool watch: cannot watch {}: {}", dir, e.toString());
    }
  }

  /** lstat of {@code path}, or null when it is gone. */
  SpoolRules.Facts facts(String queue, Path path) {
    return SpoolCheck.facts(root, queue, path);
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  @Override
  public void close() {
    closed = true; // a scan under way stops at its next file
    Thread t = thread;
    try {
      if (watcher != null) watcher.close();
    } catch (IOException e) {
      log.debug("closing the spool watch", e);
    }
    if (t != null) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
