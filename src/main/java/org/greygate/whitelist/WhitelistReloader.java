package org.greygate.whitelist;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.greygate.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current whitelists and replaces them, whole, when asked ({@link #reload()}, wired to
 * SIGHUP) or when a watched file changes. A file that fails to load leaves the previous lists in
 * place and logs {@code file:line: problem}. Thread-safe.
 */
public final class WhitelistReloader implements Supplier<Whitelists>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WhitelistReloader.class);

  private final WhitelistSource source;
  private final AtomicReference<Whitelists> current;
  private final ScheduledExecutorService scheduler;
  private final long debounceMillis;
  private final Metrics metrics;
  private WatchService watcher;
  private Thread watchThread;
  private ScheduledFuture<?> pending;

  /**
   * Loads the lists once.
   *
   * @throws WhitelistException if they cannot be loaded: refuse to start rather than run without
   */
  public WhitelistReloader(
      WhitelistSource source,
      ScheduledExecutorService scheduler,
      long debounceMillis,
      Metrics metrics)
      throws WhitelistException {
    this.source = source;
    this.scheduler = scheduler;
    this.debounceMillis = debounceMillis;
    this.metrics = metrics;
    this.current = new AtomicReference<>(source.load());
  }

  @Override
  public Whitelists get() {
    return current.get();
  }

  /** Loads the files again; on failure keeps the old lists. Returns whether the swap happened. */
  public boolean reload() {
    try {
      Whitelists loaded = source.load();
      current.set(loaded);
      metrics.reload(Metrics.RELOAD_WHITELISTS, true);
      log.info(
          "whitelists reloaded: {} client entries, {} recipient entries, {} domain policies",
          loaded.clients().size(),
          loaded.recipients().size(),
          loaded.domains().size());
      return true;
    } catch (WhitelistException e) {
      metrics.reload(Metrics.RELOAD_WHITELISTS, false);
      log.error("whitelist reload failed, keeping the previous lists: {}", e.getMessage());
      return false;
    }
  }

  /** Starts watching the directories of every whitelist file (and companion) for changes. */
  public synchronized void watch() throws IOException {
    if (watcher != null) {
      return;
    }
    watcher = FileSystems.getDefault().newWatchService();
    Set<Path> dirs = new HashSet<>();
    Set<Path> files = new HashSet<>();
    for (Path p : source.allFiles()) {
      Path abs = p.toAbsolutePath().normalize();
      files.add(abs);
      Path dir = abs.getParent();
      if (dir != null && dir.toFile().isDirectory() && dirs.add(dir)) {
        dir.register(
            watcher,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      }
    }
    WatchService ws = watcher;
    watchThread =
        new Thread(
            () -> {
              try {
                while (true) {
                  WatchKey key = ws.take();
                  Path dir = (Path) key.watchable();
                  boolean relevant = false;
                  for (var event : key.pollEvents()) {
                    if (event.context() instanceof Path name && files.contains(dir.resolve(name))) {
                      relevant = true;
                    } else if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                      relevant = true;
                    }
                  }
                  key.reset();
                  if (relevant) {
                    scheduleReload();
                  }
                }
              } catch (InterruptedException | ClosedWatchServiceException e) {
                // closing
              }
            },
            "whitelist-watch");
    watchThread.setDaemon(true);
    watchThread.start();
  }

  /** Editors write in several steps: wait for quiet before reading. */
  private synchronized void scheduleReload() {
    if (pending != null) {
      pending.cancel(false);
    }
    pending = scheduler.schedule(this::reload, debounceMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        log.warn("closing the whitelist watcher", e);
      }
      watcher = null;
    }
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
