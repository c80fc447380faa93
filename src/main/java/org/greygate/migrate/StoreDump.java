package org.greygate.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import org.greygate.store.ClientEntry;
import org.greygate.store.RowChange;
import org.greygate.store.RowLimits;
import org.greygate.store.TripletEntry;
import org.greygate.store.TripletStore;

/**
 * A store as text, and back: {@code greygate db dump} writes it, {@code greygate db load} reads it.
 * One row per line, times in ISO-8601 UTC, so a dump is a backup a person can read, grep and diff:
 *
 * <pre>
 * # greygate dump 2
 * triplet KEY FIRST_SEEN LAST_SEEN [ATTEMPTS]
 * client KEY COUNT LAST_SEEN
 * decisions HOUR OUTCOME COUNT REASON
 * </pre>
 *
 * <p>Version 2 is plain ASCII: a key, an outcome and a reason are written escaped ({@link
 * DumpEscape}: {@code \\}, and {@code \xHH} for each byte of a control character, a space in a key,
 * and anything beyond ASCII), so any text a store holds comes back exactly and no key can make a
 * second line. Fields are separated by one space; the reason is the rest of the line. A triplet's
 * ATTEMPTS (how many times it was seen) is written when the store knows it; a line without it (a
 * dump from before the count was kept, or a row whose count is not known) loads with attempts 0.
 *
 * <p>Version 1 (keys written raw, read from the right) still loads: its lines end at LF only, so a
 * CR a key held stays in that key, as it was written.
 *
 * <p>Reading checks every field against {@link RowLimits} (what {@code db verify} accepts) and
 * refuses the first line that breaks one with {@link MalformedInput}; a row or counter that appears
 * twice is refused too, as a dump never holds one twice.
 */
public final class StoreDump {
  static final String HEADER = "# greygate dump 2";
  static final String HEADER_V1 = "# greygate dump 1";

  private StoreDump() {}

  public record Summary(long triplets, long clients, long counters) {}

  /** One line of a dump. */
  public sealed interface Row permits Triplet, Client, Counter {}

  public record Triplet(String key, TripletEntry entry) implements Row {}

  public record Client(String key, ClientEntry entry) implements Row {}

  public record Counter(long hour, String outcome, String reason, long count) implements Row {}

  /** Writes every row and decision counter of {@code store}, in the store's order. */
  public static Summary write(TripletStore store, PrintWriter out) {
    long[] n = new long[3];
    out.print(HEADER + "\n");
    store.forEachTriplet(
        (k, e) -> {
          out.print(line(new Triplet(k, e)));
          n[0]++;
        });
    store.forEachClient(
        (k, e) -> {
          out.print(line(new Client(k, e)));
          n[1]++;
        });
    store.forEachDecisionCount(
        0,
        Long.MAX_VALUE,
        c -> {
          out.print(line(new Counter(c.hour(), c.outcome(), c.reason(), c.count())));
          n[2]++;
        });
    return new Summary(n[0], n[1], n[2]);
  }

  /** The row as a version 2 line, with its LF. */
  public static String line(Row row) {
    if (row instanceof Triplet t) {
      return "triplet "
          + DumpEscape.escape(t.key(), false)
          + " "
          + time(t.entry().firstSeen())
          + " "
          + time(t.entry().lastSeen())
          + (t.entry().attempts() > 0 ? " " + t.entry().attempts() : "")
          + "\n";
    }
    if (row instanceof Client c) {
      return "client "
          + DumpEscape.escape(c.key(), false)
          + " "
          + c.entry().count()
          + " "
          + time(c.entry().lastSeen())
          + "\n";
    }
    Counter d = (Counter) row;
    return "decisions "
        + time(d.hour())
        + " "
        + DumpEscape.escape(d.outcome(), false)
        + " "
        + d.count()
        + " "
        + DumpEscape.escape(d.reason(), true)
        + "\n";
  }

  private static String time(long epochSecond) {
    return Instant.ofEpochSecond(epochSecond).toString();
  }

  /**
   * Reads a dump into {@code store}, which must hold no rows. Stops at the first malformed line
   * ({@link MalformedInput}); what was read before it has been written to {@code store}, so load
   * into a store that is thrown away on failure ({@code LmdbStore.rebuild}).
   *
   * @param now the clock's time: no row may be more than {@link RowLimits#AHEAD} after it
   */
  public static Summary load(InputStream in, String source, long now, TripletStore store)
      throws IOException {
    long[] n = new long[3];
    read(
        in,
        source,
        now,
        (row, line) -> {
          if (row instanceof Triplet t) {
            if (join(store.step(t.key(), null, (mine, c) -> first(mine, t.entry())))) {
              throw new MalformedInput(source, line, "a second row for triplet " + shown(t.key()));
            }
            n[0]++;
          } else if (row instanceof Client c) {
            if (join(store.step(null, c.key(), (t, mine) -> first(mine, c.entry())))) {
              throw new MalformedInput(source, line, "a second row for client " + shown(c.key()));
            }
            n[1]++;
          } else {
            Counter d = (Counter) row;
            store.countDecisions(d.hour(), d.outcome(), d.reason(), d.count());
            n[2]++;
          }
          if ((n[0] + n[1]) % 50_000 == 49_999) {
            store.flush(); // bounded backlog on a big load
          }
        });
    store.flush();
    return new Summary(n[0], n[1], n[2]);
  }

  private static String shown(String key) {
    return DumpEscape.escape(key, false);
  }

  /** What {@link #read} hands each row to, with the row's line number. */
  @FunctionalInterface
  public interface RowSink {
    void accept(Row row, long line);
  }

  /**
   * Parses a dump, checking every field, and hands out its rows in order. Memory stays bounded
   * whatever the input ({@link BoundedLines}).
   *
   * @throws MalformedInput at the first line that is not a sound row
   */
  public static void read(InputStream in, String source, long now, RowSink sink)
      throws IOException {
    BoundedLines lines = new BoundedLines(in, source);
    boolean v1 = true;
    byte[] lastCounter = null;
    for (byte[] line = lines.next(); line != null; line = lines.next()) {
      long no = lines.number();
      try {
        if (line.length == 0 || line[0] == '#') {
          if (no == 1 && startsWith(line, "# greygate dump")) {
            String header = new String(line, StandardCharsets.ISO_8859_1);
            if (header.equals(HEADER)) v1 = false;
            else if (!header.equals(HEADER_V1)) {
              throw new IllegalArgumentException(
                  "a dump format this version does not know: " + DumpEscape.escape(header, true));
            }
          }
          continue;
        }
        Row row = v1 ? rowV1(line, now) : rowV2(line, now);
        if (row instanceof Counter c) {
          byte[] order = counterOrder(c);
          if (lastCounter != null && Arrays.compareUnsigned(lastCounter, order) >= 0) {
            throw new IllegalArgumentException(
                "decision counters out of order (a dump lists each once, by hour)");
          }
          lastCounter = order;
        }
        sink.accept(row, no);
      } catch (MalformedInput e) {
        throw e;
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new MalformedInput(source, no, e.getMessage());
      }
    }
  }

  private static boolean startsWith(byte[] line, String prefix) {
    if (line.length < prefix.length()) return false;
    for (int i = 0; i < prefix.length(); i++) {
      if (line[i] != prefix.charAt(i)) return false;
    }
    return true;
  }

  /** A version 2 line: fields split on single spaces, each escaped. */
  static Row rowV2(byte[] line, long now) {
    int[] sp = new int[5];
    int fields = 1;
    for (int i = 0; i < line.length && fields <= 5; i++) {
      if (line[i] == ' ') sp[fields++ - 1] = i;
    }
    String kind = ascii(line, 0, fields > 1 ? sp[0] : line.length);
    switch (kind) {
      case "triplet", "client" -> {
        boolean triplet = kind.equals("triplet");
        if (fields != 4 && !(triplet && fields == 5)) {
          throw new IllegalArgumentException(
              "expected: "
                  + kind
                  + (triplet ? " KEY FIRST_SEEN LAST_SEEN [ATTEMPTS]" : " KEY COUNT LAST_SEEN"));
        }
        String key = key(DumpEscape.unescape(line, sp[0] + 1, sp[1], false));
        String a = ascii(line, sp[1] + 1, sp[2]);
        String b = ascii(line, sp[2] + 1, fields == 5 ? sp[3] : line.length);
        if (triplet) {
          long attempts = fields == 5 ? canonicalAttempts(ascii(line, sp[3] + 1, line.length)) : 0;
          return triplet(key, canonicalTime(a, now), canonicalTime(b, now), attempts);
        }
        return new Client(key, new ClientEntry(canonicalCount(a), canonicalTime(b, now)));
      }
      case "decisions" -> {
        if (fields < 5) {
          throw new IllegalArgumentException("expected: decisions HOUR OUTCOME COUNT REASON");
        }
        long hour = hour(canonicalTime(ascii(line, sp[0] + 1, sp[1]), now));
        String outcome = DumpEscape.unescape(line, sp[1] + 1, sp[2], false);
        long count = canonicalCount(ascii(line, sp[2] + 1, sp[3]));
        String reason = DumpEscape.unescape(line, sp[3] + 1, line.length, true);
        return counter(hour, outcome, reason, count);
      }
      default -> throw unknownKind(kind);
    }
  }

  /** A version 1 line: UTF-8, keys raw and read from the right, a reason the rest of the line. */
  static Row rowV1(byte[] bytes, long now) {
    String line = DumpEscape.utf8(bytes, 0, bytes.length);
    int sp = line.indexOf(' ');
    String kind = sp < 0 ? line : line.substring(0, sp);
    String rest = sp < 0 ? "" : line.substring(sp + 1);
    switch (kind) {
      case "triplet" -> {
        String[] f = fromRight(rest, 2);
        return triplet(key(f[0]), time(f[1], now), time(f[2], now), 0);
      }
      case "client" -> {
        String[] f = fromRight(rest, 2);
        return new Client(key(f[0]), new ClientEntry(count(f[1]), time(f[2], now)));
      }
      case "decisions" -> {
        String[] f = rest.split(" ", 4);
        if (f.length < 4) {
          throw new IllegalArgumentException("expected: decisions HOUR OUTCOME COUNT REASON");
        }
        return counter(hour(time(f[0], now)), f[1], f[3], count(f[2]));
      }
      default -> throw unknownKind(kind);
    }
  }

  private static IllegalArgumentException unknownKind(String kind) {
    return new IllegalArgumentException(
        "expected a triplet, client or decisions row, not '"
            + DumpEscape.escape(kind.length() > 40 ? kind.substring(0, 40) : kind, true)
            + "'");
  }

  private static Triplet triplet(String key, long first, long last, long attempts) {
    if (first > last) throw new IllegalArgumentException("first seen after last seen");
    return new Triplet(key, new TripletEntry(first, last, attempts));
  }

  /** A triplet's attempts: 1 to {@link TripletEntry#MAX_ATTEMPTS}, written as Java writes it. */
  private static long canonicalAttempts(String s) {
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("attempts '" + s + "' is not a number");
    }
    if (n < 1 || n > TripletEntry.MAX_ATTEMPTS || !Long.toString(n).equals(s)) {
      throw new IllegalArgumentException(
          "attempts '" + s + "' is not a count from 1 to " + TripletEntry.MAX_ATTEMPTS);
    }
    return n;
  }

  private static Counter counter(long hour, String outcome, String reason, long count) {
    if (outcome.isEmpty() || outcome.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an outcome is a word without NUL");
    }
    if (reason.isEmpty()) throw new IllegalArgumentException("empty reason");
    int bytes =
        outcome.getBytes(StandardCharsets.UTF_8).length
            + 1
            + reason.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > RowLimits.MAX_KEY_BYTES - 8) {
      throw new IllegalArgumentException(
          "outcome and reason longer than " + (RowLimits.MAX_KEY_BYTES - 9) + " bytes");
    }
    return new Counter(hour, outcome, reason, count);
  }

  /** How the store orders counters: hour, then outcome NUL reason as bytes. */
  private static byte[] counterOrder(Counter c) {
    byte[] text = (c.outcome() + "\0" + c.reason()).getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[8 + text.length];
    for (int i = 0; i < 8; i++) k[i] = (byte) (c.hour() >>> (56 - 8 * i)); // hours are positive
    System.arraycopy(text, 0, k, 8, text.length);
    return k;
  }

  private static String key(String key) {
    if (key.isEmpty()) throw new IllegalArgumentException("empty key");
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > RowLimits.MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key of " + bytes + " bytes, longer than " + RowLimits.MAX_KEY_BYTES + " bytes");
    }
    return key;
  }

  private static long hour(long t) {
    if (Math.floorMod(t, 3600) != 0) {
      throw new IllegalArgumentException(
          "hour " + Instant.ofEpochSecond(t) + " is not the start of an hour");
    }
    return t;
  }

  /** KEY and the {@code n} space-separated fields after it. */
  private static String[] fromRight(String rest, int n) {
    String[] out = new String[n + 1];
    int end = rest.length();
    for (int i = n; i >= 1; i--) {
      int sp = end == 0 ? -1 : rest.lastIndexOf(' ', end - 1);
      if (sp <= 0) {
        throw new IllegalArgumentException("expected KEY and " + n + " fields");
      }
      out[i] = rest.substring(sp + 1, end);
      end = sp;
    }
    out[0] = rest.substring(0, end);
    return out;
  }

  private static String ascii(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] <= ' ' || b[i] >= 0x7f) {
        throw new IllegalArgumentException(
            String.format("byte 0x%02x at byte %d where a word belongs", b[i] & 0xff, i + 1));
      }
    }
    return new String(b, from, to - from, StandardCharsets.US_ASCII);
  }

  /** A time, within range. */
  private static long time(String iso, long now) {
    long t;
    try {
      t = Instant.parse(iso).getEpochSecond();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + iso + "' is not a time (2025-11-24T16:00:00Z)");
    }
    if (!RowLimits.timeOk(t, now)) {
      throw new IllegalArgumentException(
          "time "
              + iso
              + " out of range (from "
              + Instant.ofEpochSecond(RowLimits.EARLIEST)
              + " to a day from now)");
    }
    return t;
  }

  /** A time written as {@code db dump} writes it, so a load and a dump give the same text. */
  private static long canonicalTime(String iso, long now) {
    long t = time(iso, now);
    if (!Instant.ofEpochSecond(t).toString().equals(iso)) {
      throw new IllegalArgumentException("time '" + iso + "' not written as " + time(t));
    }
    return t;
  }

  private static long count(String s) {
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("count '" + s + "' is not a number");
    }
    if (n < 1) throw new IllegalArgumentException("count " + s + " is not positive");
    if (n > RowLimits.MAX_COUNT) throw new IllegalArgumentException("count " + s + " too large");
    return n;
  }

  private static long canonicalCount(String s) {
    long n = count(s);
    if (!Long.toString(n).equals(s)) {
      throw new IllegalArgumentException("count '" + s + "' not written as " + n);
    }
    return n;
  }

  /** Writes {@code theirs} unless the row exists; completes with whether it did. */
  private static RowChange.Change<Boolean> first(Object mine, TripletEntry theirs) {
    return new RowChange.Change<>(mine == null ? theirs : null, null, mine != null);
  }

  private static RowChange.Change<Boolean> first(Object mine, ClientEntry theirs) {
    return new RowChange.Change<>(null, mine == null ? theirs : null, mine != null);
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

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }
}
