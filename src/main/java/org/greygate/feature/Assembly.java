package org.greygate.feature;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.greygate.config.Settings;
import org.greygate.dns.Lookups;
import org.greygate.metrics.Metrics;
import org.greygate.policy.Policy;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;

/**
 * What a {@link Feature} is given and what it hands back while a daemon (or {@code check}'s one
 * answer) is put together. Given by the composition root; not thread-safe: features install one
 * after another, before anything runs.
 */
public interface Assembly {
  /** What is being put together. */
  enum Use {
    /** The daemon: background work runs, files are watched, resources live until stop. */
    SERVE,
    /** One answer ({@code check}): the same policies, no background work, nothing watched. */
    CHECK
  }

  Use use();

  /** Every setting's value (a feature builds its own section from its own settings). */
  Settings settings();

  TripletStore store();

  Metrics metrics();

  Clock clock();

  /** The daemon's state directory ({@code --dbdir}): requests handed to it, secrets. */
  Path stateDirectory();

  /** The whitelists in force (reloads swap them). */
  Supplier<Whitelists> whitelists();

  /** Whether decision and alert lines are JSON rather than text. */
  boolean jsonLines();

  /** The resolver, shared by every feature that asks DNS (made on the first call). */
  Lookups dns();

  /** How long one request may wait for all of its DNS answers together. */
  Duration dnsBudget();

  /** Adds {@code policy} to the chain at {@code stage}. */
  void policy(Stage stage, Policy policy);

  /** Closed when the daemon stops, after the listeners (in the reverse order of adding). */
  void resource(AutoCloseable resource);

  /** Run on SIGHUP (a broken file must keep what is in force). */
  void onReload(Runnable reload);

  /** Run once the daemon listens (serve only). */
  void onStart(Runnable start);

  /**
   * Runs {@code task} every {@code period} on the daemon's housekeeping thread, from start to stop
   * (serve only; nothing in {@code check}). The task must not block for long and must catch what it
   * can handle.
   */
  void every(Duration period, Runnable task);

  /**
   * Adds a page to the daemon's HTTP API on the metrics listener ({@code --metrics}): {@code GET}
   * and {@code HEAD} when {@code post} is false, {@code POST} when true (serve only; the daemon
   * refuses to start when a feature adds one and no metrics listener is configured).
   */
  default void apiPage(String path, boolean post, ApiPage page) {
    throw new UnsupportedOperationException("no HTTP API here");
  }
}
