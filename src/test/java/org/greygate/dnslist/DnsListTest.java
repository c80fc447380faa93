package org.greygate.dnslist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;

class DnsListTest {
  @Test
  void zoneAndScoreAreRead() {
    assertEquals(new DnsList("list.dnswl.org", true, 1), DnsList.parse("list.dnswl.org", true));
    assertEquals(
        new DnsList("zen.spamhaus.org", false, 3), DnsList.parse("Zen.Spamhaus.Org.=3", false));
    assertEquals(new DnsList("bl.test", false, 2), DnsList.parse(" bl.test = 2 ", false));
  }

  @Test
  void badListsSayWhatIsWrong() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DnsList.parse("bl.test=x", false))
            .getMessage()
            .contains("whole number, got 'x'"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DnsList.parse("bl.test=0", false))
            .getMessage()
            .contains("between 1 and 1000"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> DnsList.parse("bl test", false))
            .getMessage()
            .contains("not a DNS zone: 'bl test'"));
    assertThrows(IllegalArgumentException.class, () -> DnsList.parse("=2", false));
  }

  @Test
  void ipv4IsAskedOctetsReversed() {
    assertEquals(
        "2.0.0.127.zen.spamhaus.org",
        DnsList.parse("zen.spamhaus.org", false).queryName(IpAddress.parse("127.0.0.2")));
    assertEquals(
        "10.2.0.192.bl.test",
        DnsList.parse("bl.test", false).queryName(IpAddress.parse("192.0.2.10")));
  }

  @Test
  void ipv6IsAskedNibblesReversedAsRfc5782Shows() {
    assertEquals(
        "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test",
        DnsList.parse("bl.test", false).queryName(IpAddress.parse("2001:db8:1:2:3:4:567:89ab")));
  }

  @Test
  void answersAreReadAsRfc5782Says() throws Exception {
    assertEquals(DnsListPolicy.Answer.NOT_LISTED, DnsListPolicy.read(List.of()));
    assertEquals(DnsListPolicy.Answer.LISTED, DnsListPolicy.read(List.of(ip("127.0.0.2"))));
    assertEquals(DnsListPolicy.Answer.LISTED, DnsListPolicy.read(List.of(ip("127.0.10.3"))));
    assertEquals(DnsListPolicy.Answer.REFUSED, DnsListPolicy.read(List.of(ip("127.255.255.254"))));
    assertEquals(DnsListPolicy.Answer.BOGUS, DnsListPolicy.read(List.of(ip("198.51.100.1"))));
    assertEquals(
        DnsListPolicy.Answer.LISTED,
        DnsListPolicy.read(List.of(ip("127.255.255.254"), ip("127.0.0.4"))));
  }

  @Test
  void onlyListedNeedsABlockList() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new DnsListConfig(List.of(DnsList.parse("wl.test", true)), 1, true));
    assertTrue(e.getMessage().contains("--dnsbl"), e.getMessage());
    assertFalse(DnsListConfig.NONE.active());
  }

  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }
}
