package org.greygate.release;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistSettings;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.TripletKeys;
import org.greygate.inet.IpAddress;
import org.greygate.store.Expiry;
import org.greygate.store.PrivacySecret;

/**
 * How the daemon keys and times its triplets, from its settings (a tool: the ones it recorded):
 * what a release needs to find a row and to make it pass.
 */
record Keying(long delay, Expiry expiry, boolean byHost, int v4Cidr, int v6Cidr, boolean privacy) {

  /** The settings {@link #of} reads. */
  static final List<Setting<?>> SETTINGS =
      List.of(
          GreylistSettings.DELAY,
          GreylistSettings.MAX_AGE,
          GreylistSettings.RETRY_WINDOW,
          GreylistSettings.LOOKUP_BY_HOST,
          GreylistSettings.IPV4CIDR,
          GreylistSettings.IPV6CIDR,
          GreylistSettings.PRIVACY);

  static Keying of(Settings s) {
    return new Keying(
        s.get(GreylistSettings.DELAY),
        GreylistSettings.expiry(s),
        s.get(GreylistSettings.LOOKUP_BY_HOST),
        s.get(GreylistSettings.IPV4CIDR),
        s.get(GreylistSettings.IPV6CIDR),
        s.get(GreylistSettings.PRIVACY));
  }

  /**
   * Under {@code --privacy}: the keyed hash of the exact triplet {@code s} names, and its unit,
   * made with the daemon's secret in {@code dbdir}; null when there is no secret yet (nothing has
   * been stored under it).
   */
  String[] hashedKey(Selector s, Path dbdir) {
    if (!Files.isRegularFile(dbdir.resolve(PrivacySecret.FILE))) return null;
    KeyHasher hasher = KeyHasher.hmac(PrivacySecret.loadOrCreate(dbdir));
    TripletKeys keys =
        new TripletKeys(
            GreylistConfig.builder()
                .delay(delay)
                .lookupByHost(byHost)
                .ipv4Cidr(v4Cidr)
                .ipv6Cidr(v6Cidr)
                .hostname("localhost")
                .build(),
            hasher);
    IpAddress client = s.client().network();
    return new String[] {keys.triplet(client, s.sender(), s.recipient()), keys.unit(client)};
  }
}
