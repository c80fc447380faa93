package org.greygate.store.lmdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.greygate.store.RowLimits;
import org.greygate.store.TripletEntry;
import org.greygate.store.WindowCounter;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * Reads every row of every table (touching every page LMDB reaches) and checks each: the value's
 * size, first seen not after last seen, times within {@link RowLimits} of {@code now}, a positive
 * client count, a UTF-8 key; counters well formed. Reports at most 100 problems.
 */
final class LmdbVerify {
  private LmdbVerify() {}

  static LmdbStore.Verification run(LmdbEnvironment env, long now) {
    List<String> problems = new ArrayList<>();
    long[] counts = new long[Table.values().length];
    try {
      env.read(
          txn -> {
            for (Table t : Table.values()) {
              Dbi<ByteBuffer> dbi = env.dbi(t);
              if (dbi != null) counts[t.ordinal()] = check(txn, dbi, t, now, problems);
            }
            return null;
          });
    } catch (RuntimeException e) {
      problems.add("error while reading: " + e.getMessage());
    }
    return new LmdbStore.Verification(
        counts[Table.TRIPLETS.ordinal()] + counts[Table.JOURNAL.ordinal()],
        counts[Table.CLIENTS.ordinal()],
        counts[Table.WINDOWS.ordinal()] + counts[Table.DECISIONS.ordinal()],
        List.copyOf(problems));
  }

  private static long check(
      Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, Table table, long now, List<String> problems) {
    long n = 0;
    try (Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
      for (boolean ok = cursor.first(); ok; ok = cursor.next()) {
        n++;
        String problem =
            problem(
                table,
                LmdbEnvironment.bytes(cursor.key()),
                LmdbEnvironment.bytes(cursor.val()),
                now);
        if (problem != null && problems.size() < 100) {
          problems.add(problem);
        }
      }
    }
    return n;
  }

  private static String problem(Table table, byte[] k, byte[] v, long now) {
    switch (table) {
      case TRIPLETS, CLIENTS -> {
        String name = table == Table.TRIPLETS ? "triplet" : "client";
        String key = new String(k, StandardCharsets.UTF_8);
        if (k.length == 0 || !Arrays.equals(key.getBytes(StandardCharsets.UTF_8), k)) {
          return name + " " + key + ": key is not UTF-8";
        }
        if (table == Table.TRIPLETS ? v.length != 24 && v.length != 16 : v.length != 16) {
          return name
              + " "
              + key
              + ": value has "
              + v.length
              + " bytes, expected "
              + (table == Table.TRIPLETS
                  ? "24 (or 16, written before attempts were counted)"
                  : "16");
        }
        long a = LmdbCodec.longAt(v, 0);
        long last = LmdbCodec.longAt(v, 8);
        if (table == Table.TRIPLETS) {
          if (a > last) return name + " " + key + ": first seen " + a + " after last seen " + last;
          if (!RowLimits.timeOk(a, now) || !RowLimits.timeOk(last, now))
            return name + " " + key + ": times out of range: " + a + ", " + last;
          long attempts = LmdbCodec.triplet(v).attempts();
          if (attempts < 0 || attempts > TripletEntry.MAX_ATTEMPTS)
            return name + " " + key + ": attempts " + attempts;
        } else {
          if (a < 1) return name + " " + key + ": count " + a;
          if (!RowLimits.timeOk(last, now))
            return name + " " + key + ": last seen out of range: " + last;
        }
        return null;
      }
      case WINDOWS -> {
        return WindowCounter.decode(v) == null
            ? "window counter " + new String(k, StandardCharsets.UTF_8) + ": malformed value"
            : null;
      }
      case DECISIONS -> {
        return LmdbCodec.decision(k, v) == null ? "decision counter: malformed row" : null;
      }
      case JOURNAL -> {
        if (k.length != 8) return "journal row: key has " + k.length + " bytes, expected 8";
        int at = LmdbCodec.journalKeyAt(v);
        if (at < 0) return "journal row " + LmdbCodec.longAt(k, 0) + ": no triplet key";
        String key = new String(v, at, v.length - at, StandardCharsets.UTF_8);
        if (!Arrays.equals(key.getBytes(StandardCharsets.UTF_8), LmdbCodec.journalKey(v))) {
          return "triplet " + key + " (journal): key is not UTF-8";
        }
        long first = LmdbCodec.longAt(v, 0);
        long last = LmdbCodec.longAt(v, 8);
        if (first > last) {
          return "triplet " + key + " (journal): first seen " + first + " after last seen " + last;
        }
        if (!RowLimits.timeOk(first, now) || !RowLimits.timeOk(last, now)) {
          return "triplet " + key + " (journal): times out of range: " + first + ", " + last;
        }
        long attempts = LmdbCodec.journalTriplet(v).attempts();
        if (attempts > TripletEntry.MAX_ATTEMPTS) {
          return "triplet " + key + " (journal): attempts " + attempts;
        }
        return null;
      }
      default -> throw new IllegalStateException("unknown table " + table);
    }
  }
}
