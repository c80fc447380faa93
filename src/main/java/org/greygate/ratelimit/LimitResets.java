package org.greygate.ratelimit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.files.PrivateFiles;
import org.greygate.store.TripletStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code greygate limits reset}: empties the counters of one key. The store has one writer, so
 * while the daemon runs the command leaves a request file in the database directory ({@code
 * limits-reset-*.request}, one {@code KEY [RULE]} a line) that the daemon applies and deletes.
 */
public final class LimitResets {
  private static final Logger log = LoggerFactory.getLogger(LimitResets.class);
  public static final String GLOB = "limits-reset-*.request";

  private LimitResets() {}

  /** A counter that holds something now: {@code rate/RULE/VALUE}, its window and sum. */
  public record Counter(String rule, String value, long window, long sum) {
    String key() {
      return "rate/" + rule + "/" + value;
    }
  }

  /** Every rate-limit counter that holds something at {@code now}, in key order. */
  public static List<Counter> counters(TripletStore store, long now) {
    List<Counter> out = new ArrayList<>();
    store.forEachWindow(
        "rate/",
        now,
        (k, window, sum) -> {
          int slash = k.indexOf('/', 5);
          if (slash < 0) return;
          out.add(new Counter(k.substring(5, slash), k.substring(slash + 1), window, sum));
        });
    return out;
  }

  /**
   * The counters of {@code key} itself (in {@code rule} only, when given): what {@link #reset}
   * empties. An address is its own {@code /32} (or {@code /128}) network, as {@link LimitKey} says.
   */
  public static List<Counter> of(List<Counter> counters, LimitKey key, String rule) {
    List<Counter> out = new ArrayList<>();
    for (Counter c : counters) {
      if (key.is(c.value()) && (rule == null || c.rule().equals(rule))) out.add(c);
    }
    return out;
  }

  /**
   * Empties every counter of {@code value} (in {@code rule} only, when given) and returns how many
   * held something.
   */
  public static int reset(TripletStore store, String value, String rule, long now) {
    List<Counter> full = of(counters(store, now), LimitKey.parse(value), rule);
    for (Counter f : full) {
      store.addToWindow(f.key(), now, f.window(), -f.sum(), 0).toCompletableFuture().join();
    }
    return full.size();
  }

  /** The daemon's side: applies and deletes the request files in {@code dbdir}. */
  public static void applyRequests(Path dbdir, TripletStore store, long now) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dbdir, GLOB)) {
      for (Path f : files) {
        String text;
        try {
          // a request is a few words: never a link, never more than 64 KiB
          text = new String(PrivateFiles.readSmall(f, 65_536), StandardCharsets.UTF_8);
        } catch (IOException e) {
          log.warn("limits reset request {} ignored: {}", f, PrivateFiles.reason(e));
          Files.deleteIfExists(f);
          continue;
        }
        for (String line : text.split("\n")) {
          String[] w = line.strip().split("\\s+");
          if (w.length == 0 || w[0].isEmpty()) continue;
          int n = reset(store, w[0], w.length > 1 ? w[1] : null, now);
          log.info(
              "limits reset: {}{}: {} counters emptied",
              w[0],
              w.length > 1 ? " in " + w[1] : "",
              n);
        }
        Files.deleteIfExists(f);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("limits reset request in {} failed", dbdir, e);
    }
  }
}
