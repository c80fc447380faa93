package org.greygate.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;

/**
 * A client's unit is the network its triplet keys start with, so a store that keeps a unit's rows
 * together (a Redis Cluster's slot) finds the triplet and the client's row side by side, and a tool
 * can tell the unit of a plain key from its text.
 */
class TripletKeysUnitTest {
  static String unitOfTripletFrom(TripletKeys keys, String client) {
    return TripletKeys.unitOfPlainTriplet(
        keys.triplet(IpAddress.parse(client), "{a}@{b}.example", "{r}@example.net"));
  }

  @Test
  void theUnitIsTheNetworkTheTripletKeyStartsWith() {
    for (GreylistConfig config :
        new GreylistConfig[] {
          GreylistConfig.builder().build(),
          GreylistConfig.builder().ipv4Cidr(16).ipv6Cidr(48).build(),
          GreylistConfig.builder().lookupByHost(true).build()
        }) {
      TripletKeys keys = new TripletKeys(config, KeyHasher.PLAIN);
      for (String client : new String[] {"192.0.2.77", "2001:DB8:AB::5", "2001:db8:ab::5"}) {
        assertEquals(
            keys.unit(IpAddress.parse(client)), unitOfTripletFrom(keys, client), config + client);
      }
    }
    TripletKeys bySubnet = new TripletKeys(GreylistConfig.builder().build(), KeyHasher.PLAIN);
    assertEquals("192.0.2.0", bySubnet.unit(IpAddress.parse("192.0.2.77")));
    assertEquals("2001:db8:ab:0:0:0:0:0", bySubnet.unit(IpAddress.parse("2001:db8:ab::5")));
    assertEquals("spf:example.org", bySubnet.groupUnit("Example.ORG"));
    assertEquals(
        "spf:example.org",
        TripletKeys.unitOfPlainTriplet(bySubnet.groupedTriplet("Example.ORG", "a@b", "c@d")));
  }

  @Test
  void aHashedUnitIsTheHashOfThePlainOne() {
    KeyHasher hasher = k -> "h(" + k + ")";
    TripletKeys keys = new TripletKeys(GreylistConfig.builder().build(), hasher);
    assertEquals("h(192.0.2.0)", keys.unit(IpAddress.parse("192.0.2.77")));
    assertNotEquals(
        keys.unit(IpAddress.parse("192.0.2.77")), keys.unit(IpAddress.parse("192.0.3.1")));
  }
}
