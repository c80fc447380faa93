package org.greygate.store.redis;

import io.lettuce.core.KeyValue;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;

/**
 * Rows as Redis holds them, and their keys. Under the prefix ({@code greygate:} by default): {@code
 * t:KEY} triplets ({@code "first last"}), {@code c:KEY} clients ({@code "count last"}), {@code
 * w:KEY} window counters ({@code "window width start count ..."}), {@code d:HOUR} a hash of
 * decision counters per hour with the index {@code dh} (a sorted set of hours), {@code keying} how
 * this site's keys are made. A value that does not parse reads as an absent row. The scripts write
 * the same text.
 */
final class RedisCodec {
  static final char TRIPLETS = 't';
  static final char CLIENTS = 'c';
  static final char WINDOWS = 'w';

  final String prefix;

  RedisCodec(String prefix) {
    this.prefix = prefix;
  }

  String key(char table, String k) {
    return prefix + table + ':' + k;
  }

  /** The pattern of every key of a table, for SCAN. */
  String match(char table) {
    return prefix + table + ":*";
  }

  String hourKey(String hour) {
    return prefix + "d:" + hour;
  }

  String hourIndex() {
    return prefix + "dh";
  }

  String keying() {
    return prefix + "keying";
  }

  static String text(TripletEntry e) {
    return e.firstSeen() + " " + e.lastSeen();
  }

  static String text(ClientEntry e) {
    return e.count() + " " + e.lastSeen();
  }

  static TripletEntry triplet(String v) {
    long[] p = pair(v);
    return p == null ? null : new TripletEntry(p[0], p[1]);
  }

  static ClientEntry client(String v) {
    long[] p = pair(v);
    return p == null ? null : new ClientEntry(p[0], p[1]);
  }

  private static long[] pair(String v) {
    if (v == null) return null;
    int sp = v.indexOf(' ');
    if (sp <= 0) return null;
    try {
      return new long[] {Long.parseLong(v.substring(0, sp)), Long.parseLong(v.substring(sp + 1))};
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static long[] windowRow(String v) {
    if (v == null) return null;
    String[] parts = v.trim().split(" ");
    if (parts.length < 2 || parts.length % 2 != 0) return null;
    long[] row = new long[parts.length];
    try {
      for (int i = 0; i < parts.length; i++) row[i] = Long.parseLong(parts[i]);
    } catch (NumberFormatException e) {
      return null;
    }
    return row;
  }

  static String value(KeyValue<String, String> kv) {
    return kv.hasValue() ? kv.getValue() : null;
  }

  /** A script's integer, as Lettuce hands it over (a Long, or text for a formatted number). */
  static long number(Object o) {
    if (o instanceof Long l) return l;
    return Long.parseLong(String.valueOf(o));
  }
}
