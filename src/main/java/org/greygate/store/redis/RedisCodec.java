package org.greygate.store.redis;

import io.lettuce.core.KeyValue;
import org.greygate.store.ClientEntry;
import org.greygate.store.TripletEntry;

/**
 * Rows as Redis holds them, and their keys. Under the prefix ({@code greygate:} by default): {@code
 * t:KEY} triplets ({@code "first last attempts"}; {@code "first last"}, written before attempts
 * were counted, reads with attempts 0), {@code c:KEY} clients ({@code "count last"}), {@code w:KEY}
 * window counters ({@code "window width start count ..."}), {@code d:HOUR} a hash of decision
 * counters per hour with the index {@code dh} (a sorted set of hours), {@code keying} how this
 * site's keys are made. A value that does not parse reads as an absent row. The scripts write the
 * same text.
 *
 * <p>In a Redis Cluster every row key carries a hash tag, {@code t:{TAG}KEY}, {@code c:{TAG}KEY},
 * {@code w:{TAG}KEY}: TAG is five hex digits digested from the row's unit (for a triplet and its
 * client's row, the client's network, so both live in one slot and one script decides on both; for
 * a window, its own key). Redis hashes only what lies between the first {@code {} and the next
 * {@code }}, which is always the TAG: braces in a sender or recipient cannot choose a slot. The
 * decision counters are spread over {@link #SHARDS} hashes per hour, {@code d:{N}HOUR}, each shard
 * with its index {@code dh:{N}}.
 */
final class RedisCodec {
  static final char TRIPLETS = 't';
  static final char CLIENTS = 'c';
  static final char WINDOWS = 'w';

  /** A cluster's decision-counter shards (one store writes one of them). */
  static final int SHARDS = 16;

  /** The unit of the rows of callers that name none (tools, tests). */
  static final String NO_UNIT = "";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  final String prefix;
  final boolean cluster;

  RedisCodec(String prefix, boolean cluster) {
    this.prefix = prefix;
    this.cluster = cluster;
  }

  RedisCodec(String prefix) {
    this(prefix, false);
  }

  /** A window's key: in a cluster its own key chooses its slot. */
  String key(char table, String k) {
    return key(table, k, k);
  }

  /**
   * A triplet's or a client's key: in a cluster, the tag of {@code unit} chooses its slot (with no
   * unit, {@link #NO_UNIT}'s: every row of callers that name none in one slot, so that their steps
   * on two rows stay atomic); one server ignores the unit.
   */
  String key(char table, String unit, String k) {
    if (!cluster) return prefix + table + ':' + k;
    StringBuilder b = new StringBuilder(prefix.length() + k.length() + 10);
    b.append(prefix).append(table).append(":{");
    int t = tag(unit == null ? NO_UNIT : unit);
    b.append(HEX[t >>> 16]).append(HEX[(t >>> 12) & 15]).append(HEX[(t >>> 8) & 15]);
    b.append(HEX[(t >>> 4) & 15]);
    return b.append(HEX[t & 15]).append('}').append(k).toString();
  }

  /**
   * The hash tag of a unit: 20 bits of its FNV-1a digest, five hex digits. Equal units give equal
   * tags, so their rows share a slot; different units spread over the slots (four digits left a
   * quarter of the slots unused: Redis's CRC16 of hex text is far from uniform).
   */
  static int tag(String unit) {
    int h = 0x811c9dc5;
    for (int i = 0; i < unit.length(); i++) {
      h ^= unit.charAt(i);
      h *= 0x01000193;
    }
    return (h ^ (h >>> 20)) & 0xfffff;
  }

  /**
   * Whether two units' rows (null: {@link #NO_UNIT}) share a cluster slot (always, on one server).
   */
  boolean sameSlot(String unitA, String unitB) {
    String a = unitA == null ? NO_UNIT : unitA;
    String b = unitB == null ? NO_UNIT : unitB;
    return !cluster || a.equals(b) || tag(a) == tag(b);
  }

  /** The pattern of every key of a table, for SCAN. */
  String match(char table) {
    return prefix + table + ":*";
  }

  /**
   * A row's key as the store's callers know it: the Redis key less the prefix, the table and (in a
   * cluster) the tag, so listings out of a cluster read as out of one server.
   */
  String plainKey(String redisKey) {
    int skip = prefix.length() + 2;
    if (cluster && redisKey.length() > skip && redisKey.charAt(skip) == '{') {
      int close = redisKey.indexOf('}', skip);
      if (close > 0) return redisKey.substring(close + 1);
    }
    return redisKey.substring(skip);
  }

  /** How many decision-counter shards there are: one on one server. */
  int shards() {
    return cluster ? SHARDS : 1;
  }

  String hourKey(String hour) {
    return hourKey(0, hour);
  }

  String hourKey(int shard, String hour) {
    return cluster ? prefix + "d:{" + shard + "}" + hour : prefix + "d:" + hour;
  }

  String hourIndex() {
    return hourIndex(0);
  }

  String hourIndex(int shard) {
    return cluster ? prefix + "dh:{" + shard + "}" : prefix + "dh";
  }

  String keying() {
    return prefix + "keying";
  }

  static String text(TripletEntry e) {
    return e.firstSeen() + " " + e.lastSeen() + " " + e.attempts();
  }

  static String text(ClientEntry e) {
    return e.count() + " " + e.lastSeen();
  }

  static TripletEntry triplet(String v) {
    if (v == null) return null;
    int sp = v.lastIndexOf(' ');
    if (sp > 0 && v.indexOf(' ') < sp) { // three numbers
      long[] p = pair(v.substring(0, sp));
      try {
        return p == null ? null : new TripletEntry(p[0], p[1], Long.parseLong(v.substring(sp + 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
    long[] p = pair(v);
    return p == null ? null : new TripletEntry(p[0], p[1], 0);
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
