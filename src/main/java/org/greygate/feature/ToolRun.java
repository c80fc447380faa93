package org.greygate.feature;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.store.TripletStore;

/**
 * What a {@link Tool} is given when it runs: its settings and argument as given, the daemon's
 * database directory (checked to hold a database this user may open), the daemon's recorded
 * settings, the output streams and the store, opened by the composition root.
 */
public interface ToolRun {
  /** The tool's settings as given on the command line. */
  Settings settings();

  /** The positional argument, or null when none was given. */
  String parameter();

  /** {@code --dbdir}: the daemon's database directory. */
  Path dbdir();

  /**
   * Checks that {@link #dbdir} holds a database this user may open, saying what is wrong in words
   * otherwise (a path that is no directory: usage, exit 2; no database, or one this user may not
   * read: exit 1).
   */
  void requireDatabase();

  /**
   * What the daemon recorded in {@link #dbdir} when it started (its {@code serve.options}), for
   * {@code settings}; the declared defaults where it recorded nothing.
   */
  Settings recorded(List<Setting<?>> settings);

  /** Where {@code recorded} read from, for messages. */
  Path recordedFile();

  PrintWriter out();

  PrintWriter err();

  Clock clock();

  /**
   * The daemon's database read beside it, changing nothing.
   *
   * @throws org.greygate.store.StoreException if it cannot be read
   */
  TripletStore inspect();

  /**
   * The daemon's database to write, which needs the daemon stopped.
   *
   * @throws org.greygate.store.StoreException.InUse while the daemon holds it
   */
  TripletStore openForWriting();

  /**
   * The shared store the daemon recorded ({@code --store=redis://...}) as it would describe it, or
   * null when it keeps its rows in its embedded database.
   */
  default String sharedStore() {
    return null;
  }

  /**
   * The shared store the daemon recorded, to read and write beside the running daemons (a shared
   * store's writes are atomic against theirs).
   *
   * @throws IllegalStateException when the daemon recorded none ({@link #sharedStore} is null)
   * @throws org.greygate.store.StoreException if it cannot be reached
   */
  default TripletStore openShared() {
    throw new IllegalStateException("no shared store");
  }
}
