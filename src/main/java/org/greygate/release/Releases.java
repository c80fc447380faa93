package org.greygate.release;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.greygate.files.PrivateFiles;
import org.greygate.logline.LineFormat;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finding waiting triplets and releasing them. A triplet waits while it has not passed (its
 * sightings lie less than the delay apart) and has not expired. A release rewrites its row to
 * (first seen, last seen) = ({@code now - delay}, {@code now - delay}) in one atomic {@link
 * TripletStore#step}: the next attempt, within the retry window, finds the delay over and passes as
 * a first pass (with the X-Greylist header, counted towards the client's auto-whitelisting); a row
 * that passed meanwhile, or expired, is left as it is.
 */
final class Releases {
  private static final Logger log = LoggerFactory.getLogger(Releases.class);

  /** Request files the command leaves for the running daemon (one selector a file). */
  static final String GLOB = "release-*.request";

  /** A request file is a few short lines. */
  static final int MAX_REQUEST = 4096;

  /** The outcome under which the store's hourly counters keep releases ({@code report}). */
  static final String COUNTER = "release";

  /** The decision log's line of a release, read back by {@code report}. */
  private static final Logger decisions = LoggerFactory.getLogger("greygate.decision");

  static final Meter RELEASED =
      Meter.counter(
          "greygate_releases_total",
          "Waiting triplets released to pass at their next attempt, by who asked (cli, api).",
          "origin");

  private Releases() {}

  /**
   * The waiting triplets {@code s} selects at {@code now}, by first sighting. Under {@code
   * --privacy} the keys are keyed hashes: only an exact triplet can be found.
   *
   * @throws IllegalArgumentException under privacy, for a selector that names no exact triplet
   */
  static List<Waiting> waiting(
      TripletStore store, Keying k, Selector s, long now, Path dbdir, int max) {
    List<Waiting> out = new ArrayList<>();
    if (k.privacy()) {
      requireExact(s);
      String[] key = k.hashedKey(s, dbdir);
      if (key == null) return out;
      TripletEntry e =
          store
              .step(
                  key[1], key[0], null, (t, c) -> new RowChange.Change<TripletEntry>(null, null, t))
              .toCompletableFuture()
              .join();
      if (e != null && waits(e, k, now) && (s.since() == null || e.firstSeen() >= s.since())) {
        out.add(
            new Waiting(
                key[0],
                s.client().network().toPostgreyString(),
                s.client().network(),
                s.client().prefix(),
                s.keyedSender(),
                s.recipient(),
                e.firstSeen(),
                e.lastSeen(),
                e.attempts(),
                e.firstSeen() + k.delay(),
                key[1]));
      }
      return out;
    }
    store.forEachTriplet(
        (key, e) -> {
          if (out.size() >= max || !waits(e, k, now)) return;
          Waiting w =
              Waiting.parse(
                  key,
                  e.firstSeen(),
                  e.lastSeen(),
                  e.attempts(),
                  k.delay(),
                  k.byHost(),
                  k.v4Cidr(),
                  k.v6Cidr());
          if (w != null && s.matches(w)) out.add(w);
        });
    out.sort(Comparator.comparingLong(Waiting::firstSeen).thenComparing(Waiting::key));
    return out;
  }

  /** Under privacy only an exact triplet can be named: say so (a usage error). */
  static void requireExact(Selector s) {
    if (!s.exact()) {
      throw new IllegalArgumentException(
          "the daemon runs with --privacy: its store keeps keyed hashes of the triplets, not"
              + " addresses, so only one exact triplet can be selected: give --client=ADDRESS"
              + " --sender=ADDRESS --recipient=ADDRESS");
    }
  }

  private static boolean waits(TripletEntry e, Keying k, long now) {
    return e.lastSeen() - e.firstSeen() < k.delay() && !k.expiry().expired(e, now);
  }

  /**
   * Releases {@code which}: each in one atomic step that rewrites it only while it still waits. The
   * count is added to the store's hourly counters (outcome {@value #COUNTER}, reason {@code
   * origin}), where {@code greygate report} finds it whoever released: the daemon, the API, or the
   * command on a shared store or a stopped daemon's database.
   *
   * @param origin who asked, for the counters: {@code cli} or {@code api}
   * @return how many were released (a row that passed or expired meanwhile is not counted)
   */
  static int release(TripletStore store, Keying k, List<Waiting> which, long now, String origin) {
    int n = 0;
    for (Waiting w : which) {
      Boolean done =
          store.step(w.unit(), w.key(), null, change(k, now)).toCompletableFuture().join();
      if (done) n++;
    }
    if (n > 0) store.countDecisions(now, COUNTER, origin, n);
    store.flush();
    return n;
  }

  /** The release of one row at {@code now}. */
  static RowChange<Boolean> change(Keying k, long now) {
    return (t, c) -> {
      if (t == null || !waits(t, k, now)) return new RowChange.Change<>(null, null, false);
      long due = now - k.delay();
      return new RowChange.Change<>(new TripletEntry(due, due, t.attempts()), null, true);
    };
  }

  /**
   * Selects and releases, logs who asked and what, and counts it; the daemon's side of a request
   * file and of the API.
   *
   * @param who for the log: a user name or a client address (shown as is: make it safe first)
   * @param origin the metric's label: {@code cli} or {@code api}
   * @return how many were released
   */
  static int releaseLogged(
      TripletStore store,
      Keying k,
      Selector s,
      long now,
      Path dbdir,
      Metrics metrics,
      String who,
      String origin) {
    List<Waiting> which = waiting(store, k, s, now, dbdir, Integer.MAX_VALUE);
    int n = release(store, k, which, now, origin);
    metrics.add(RELEASED, n, origin);
    if (n > 0) {
      decisions.info(
          LineFormat.text(COUNTER, List.of("origin=" + origin, "released=" + n, "by=" + who)));
    }
    if (n == 0) {
      log.info("release by {} ({}): {}: nothing waiting matched", who, origin, s.describe());
    } else {
      log.info(
          "release by {} ({}): {}: {} waiting triplets released, they pass at their next attempt",
          who,
          origin,
          s.describe(),
          n);
    }
    return n;
  }

  /**
   * The daemon's side of {@code greygate release}: applies and deletes the request files in {@code
   * dbdir}. A file that is a link, too large or not a selector is refused (logged, deleted); the
   * requester is the file's owner.
   */
  static void applyRequests(Path dbdir, TripletStore store, Keying k, Metrics metrics, long now) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dbdir, GLOB)) {
      for (Path f : files) {
        try {
          String who = PrivateFiles.nameOf(PrivateFiles.ownerUid(f));
          String text = new String(PrivateFiles.readSmall(f, MAX_REQUEST), StandardCharsets.UTF_8);
          Selector s = Selector.fromLines(List.of(text.split("\n")), now);
          if (!s.narrows() && !s.all()) throw new IllegalArgumentException("no selector");
          releaseLogged(store, k, s, now, dbdir, metrics, who, "cli");
        } catch (IOException e) {
          log.warn("release request {} refused: {}", f.getFileName(), PrivateFiles.reason(e));
        } catch (IllegalArgumentException e) {
          log.warn("release request {} refused: {}", f.getFileName(), e.getMessage());
        } finally {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.warn("release requests in {} failed", dbdir, e);
    }
  }
}
