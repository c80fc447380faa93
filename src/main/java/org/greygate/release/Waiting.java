package org.greygate.release;

import org.greygate.greylist.TripletKeys;
import org.greygate.inet.IpAddress;

/**
 * A triplet waiting out its delay, as its plain key names it ({@code NET/SENDER/RECIPIENT}).
 *
 * @param key the stored key
 * @param net the key's first part as stored: a network address, {@code ADDRESS/BITS} when the
 *     daemon looks up by host, or {@code spf:DOMAIN} for a triplet grouped by sender domain
 * @param network {@code net}'s address, null for a triplet grouped by sender domain
 * @param prefix the length of the network the key stands for
 * @param sender the sender as keyed (normalised, lower case), empty for the null sender
 * @param recipient the recipient as keyed (lower case)
 * @param attempts how many times the triplet was seen (the seconds it was seen in); 0 when not
 *     known (a row from before the count was kept)
 * @param nextRetry the first second at which a retry passes ({@code firstSeen + delay})
 * @param unit the unit the store may keep the row with (a Redis Cluster's hash slot)
 */
public record Waiting(
    String key,
    String net,
    IpAddress network,
    int prefix,
    String sender,
    String recipient,
    long firstSeen,
    long lastSeen,
    long attempts,
    long nextRetry,
    String unit) {

  /**
   * Reads a plain key, or null when it is not one this daemon makes (a hashed key under {@code
   * --privacy}). A recipient never holds a {@code /} here: the last one ends the sender.
   *
   * @param byHost whether the daemon looks up by host (the key's network is {@code ADDRESS/BITS})
   * @param v4Cidr, v6Cidr the daemon's network lengths when looking up by subnet
   */
  static Waiting parse(
      String key,
      long firstSeen,
      long lastSeen,
      long attempts,
      long delay,
      boolean byHost,
      int v4Cidr,
      int v6Cidr) {
    int first = key.indexOf('/');
    if (first <= 0) return null;
    String net;
    IpAddress network = null;
    int prefix = 0;
    int rest;
    if (key.startsWith("spf:")) {
      net = key.substring(0, first);
      rest = first + 1;
    } else {
      int end = first;
      if (byHost) {
        end = key.indexOf('/', first + 1);
        if (end < 0) return null;
      }
      net = key.substring(0, end);
      network = IpAddress.parse(key.substring(0, first));
      if (network == null) return null;
      prefix = byHost ? network.bits() : network.isV4() ? v4Cidr : v6Cidr;
      rest = end + 1;
    }
    int last = key.lastIndexOf('/');
    if (last < rest) return null;
    return new Waiting(
        key,
        net,
        network,
        prefix,
        key.substring(rest, last),
        key.substring(last + 1),
        firstSeen,
        lastSeen,
        attempts,
        firstSeen + delay,
        TripletKeys.unitOfPlainTriplet(key));
  }
}
