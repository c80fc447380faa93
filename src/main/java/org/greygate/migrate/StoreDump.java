package org.greygate.migrate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CompletionException;
import org.greygate.store.ClientEntry;
import org.greygate.store.RowChange;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/**
 * A store as text, and back: {@code greygate db dump} writes it, {@code greygate db load} reads it.
 * One row per line, times in ISO-8601 UTC, so a dump is a backup a person can read, grep and diff:
 *
 * <pre>
 * # greygate dump 1
 * triplet KEY FIRST_SEEN LAST_SEEN
 * client KEY COUNT LAST_SEEN
 * decisions HOUR OUTCOME COUNT REASON
 * </pre>
 *
 * Keys are read from the right (the last fields are times and counts), so a key may hold spaces; it
 * cannot hold a line break (the policy protocol has none). A reason is the rest of its line.
 */
public final class StoreDump {
  static final String HEADER = "# greygate dump 1";

  private StoreDump() {}

  public record Summary(long triplets, long clients, long counters) {}

  /** A line that is not a dump row: {@code FILE:LINE: what}. */
  public static final class Malformed extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Malformed(String source, long line, String what) {
      super(source + ":" + line + ": " + what);
    }
  }

  /** Writes every row and decision counter of {@code store}. */
  public static Summary write(TripletStore store, PrintWriter out) {
    long[] n = new long[3];
    out.println(HEADER);
    store.forEachTriplet(
        (k, e) -> {
          out.println(
              "triplet "
                  + k
                  + " "
                  + Instant.ofEpochSecond(e.firstSeen())
                  + " "
                  + Instant.ofEpochSecond(e.lastSeen()));
          n[0]++;
        });
    store.forEachClient(
        (k, e) -> {
          out.println("client " + k + " " + e.count() + " " + Instant.ofEpochSecond(e.lastSeen()));
          n[1]++;
        });
    store.forEachDecisionCount(
        0,
        Long.MAX_VALUE,
        c -> {
          out.println(
              "decisions "
                  + Instant.ofEpochSecond(c.hour())
                  + " "
                  + c.outcome()
                  + " "
                  + c.count()
                  + " "
                  + c.reason());
          n[2]++;
        });
    return new Summary(n[0], n[1], n[2]);
  }

  /**
   * Reads a dump into {@code store}. A row already in the store is kept when it was seen more
   * recently; counters are added. Stops at the first malformed line ({@link Malformed}); what was
   * read before it has been written.
   */
  public static Summary load(BufferedReader in, String source, TripletStore store)
      throws IOException {
    long triplets = 0;
    long clients = 0;
    long counters = 0;
    long lineNo = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        if (lineNo == 1 && !line.equals(HEADER) && line.startsWith("# greygate dump")) {
          throw new Malformed(source, lineNo, "a dump format this version does not know: " + line);
        }
        continue;
      }
      int sp = line.indexOf(' ');
      String kind = sp < 0 ? line : line.substring(0, sp);
      String rest = sp < 0 ? "" : line.substring(sp + 1);
      try {
        switch (kind) {
          case "triplet" -> {
            String[] f = fromRight(rest, 2);
            TripletEntry theirs = new TripletEntry(time(f[1]), time(f[2]));
            if (theirs.firstSeen() > theirs.lastSeen()) {
              throw new Malformed(source, lineNo, "first seen after last seen");
            }
            join(store.step(f[0], null, (mine, c) -> newer(mine, theirs)));
            triplets++;
          }
          case "client" -> {
            String[] f = fromRight(rest, 2);
            ClientEntry theirs = new ClientEntry(count(f[1]), time(f[2]));
            join(store.step(null, f[0], (t, mine) -> newer(mine, theirs)));
            clients++;
          }
          case "decisions" -> {
            String[] f = rest.split(" ", 4);
            if (f.length < 4 || f[3].isEmpty()) {
              throw new IllegalArgumentException("expected: decisions HOUR OUTCOME COUNT REASON");
            }
            long hour = time(f[0]);
            if (Math.floorMod(hour, 3600) != 0) {
              throw new IllegalArgumentException("hour " + f[0] + " is not the start of an hour");
            }
            store.countDecisions(hour, f[1], f[3], count(f[2]));
            counters++;
          }
          default ->
              throw new IllegalArgumentException(
                  "expected a triplet, client or decisions row, not '" + kind + "'");
        }
      } catch (Malformed e) {
        throw e;
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new Malformed(source, lineNo, e.getMessage());
      }
      if ((triplets + clients) % 50_000 == 49_999) {
        store.flush(); // bounded backlog on a big load
      }
    }
    store.flush();
    return new Summary(triplets, clients, counters);
  }

  /** KEY and the {@code n} space-separated fields after it. */
  private static String[] fromRight(String rest, int n) {
    String[] out = new String[n + 1];
    int end = rest.length();
    for (int i = n; i >= 1; i--) {
      int sp = rest.lastIndexOf(' ', end - 1);
      if (sp <= 0) {
        throw new IllegalArgumentException("expected KEY and " + n + " fields");
      }
      out[i] = rest.substring(sp + 1, end);
      end = sp;
    }
    out[0] = rest.substring(0, end);
    if (out[0].isBlank()) {
      throw new IllegalArgumentException("empty key");
    }
    return out;
  }

  private static long time(String iso) {
    return Instant.parse(iso).getEpochSecond();
  }

  private static long count(String s) {
    try {
      long n = Long.parseLong(s);
      if (n < 1) {
        throw new IllegalArgumentException("count " + s + " is not positive");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("count '" + s + "' is not a number");
    }
  }

  /** The row to keep: theirs unless mine was seen more recently. */
  static RowChange.Change<Void> newer(TripletEntry mine, TripletEntry theirs) {
    return new RowChange.Change<>(
        mine == null || mine.lastSeen() < theirs.lastSeen() ? theirs : null, null, null);
  }

  static RowChange.Change<Void> newer(ClientEntry mine, ClientEntry theirs) {
    return new RowChange.Change<>(
        null, mine == null || mine.lastSeen() < theirs.lastSeen() ? theirs : null, null);
  }

  static void join(java.util.concurrent.CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }
}
