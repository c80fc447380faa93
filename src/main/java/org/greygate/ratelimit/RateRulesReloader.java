package org.greygate.ratelimit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.greygate.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules in force: loaded at start (a broken file stops the start), read again on SIGHUP and
 * when the file or its {@code .local} changes. A file that breaks later keeps the previous rules,
 * and says FILE:LINE and why. Thread-safe; {@link #get} is one volatile read.
 */
public final class RateRulesReloader implements Supplier<RateRules> {
  private static final Logger log = LoggerFactory.getLogger(RateRulesReloader.class);

  /** The {@code what} of its reloads in the metrics. */
  static final String RELOAD = "rules";

  private final Path file;
  private final Metrics metrics;
  private final AtomicReference<RateRules> current;
  private volatile String loadedAt;

  /**
   * @param file the rules file, or {@code null} for none
   * @throws RateRules.Invalid when the file cannot be used
   */
  public RateRulesReloader(Path file, Metrics metrics) throws RateRules.Invalid {
    metrics.reloadable(RELOAD);
    this.file = file;
    this.metrics = metrics;
    this.loadedAt = modified();
    this.current = new AtomicReference<>(file == null ? RateRules.NONE : RateRules.load(file));
  }

  @Override
  public RateRules get() {
    return current.get();
  }

  /** Reads the file again; on failure keeps the rules in force. Returns whether it swapped. */
  public synchronized boolean reload() {
    if (file == null) return true;
    String at = modified();
    try {
      RateRules loaded = RateRules.load(file);
      current.set(loaded);
      loadedAt = at;
      metrics.reload(RELOAD, true);
      log.info("rules reloaded: {} rules from {}", loaded.rules().size(), file);
      return true;
    } catch (RateRules.Invalid e) {
      loadedAt = at; // reported once per change, not on every poll
      metrics.reload(RELOAD, false);
      log.error("rules reload failed, keeping the previous rules: {}", e.getMessage());
      return false;
    }
  }

  /**
   * Reads the file again when it (or its {@code .local}) changed since the last reading: called
   * periodically by the daemon (every 2 s), so an edit applies without a SIGHUP.
   */
  public void reloadIfChanged() {
    if (file == null) return;
    try {
      String at = modified();
      if (at != null && !at.equals(loadedAt)) reload();
    } catch (RuntimeException e) {
      log.warn("watching {} failed", file, e);
    }
  }

  /** Both files' modification times (FILE and FILE.local): a change to either reloads. */
  private String modified() {
    if (file == null) return null;
    return time(file) + "," + time(file.resolveSibling(file.getFileName() + ".local"));
  }

  private static String time(Path p) {
    try {
      return String.valueOf(Files.getLastModifiedTime(p));
    } catch (IOException e) {
      return "-";
    }
  }
}
