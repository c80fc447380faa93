package org.greygate.inet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
  @ParameterizedTest
  @CsvSource({
    "192.0.2.1, 192.0.2.1, 192.0.2.1",
    "0.0.0.0, 0.0.0.0, 0.0.0.0",
    "255.255.255.255, 255.255.255.255, 255.255.255.255",
    "2001:db8::1:2, 2001:db8::1:2, 2001:DB8:0:0:0:0:1:2",
    "2001:DB8:0:0:1::5, 2001:db8::1:0:0:5, 2001:DB8:0:0:1:0:0:5",
    "::1, ::1, 0:0:0:0:0:0:0:1",
    "::, ::, 0:0:0:0:0:0:0:0",
    "1::, 1::, 1:0:0:0:0:0:0:0",
    "::ffff:192.0.2.9, 192.0.2.9, 192.0.2.9",
    "64:ff9b::192.0.2.33, 64:ff9b::c000:221, 64:FF9B:0:0:0:0:C000:221",
    "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
    "1:0:0:2:0:0:0:3, 1:0:0:2::3, 1:0:0:2:0:0:0:3",
  })
  void parsesAndFormats(String in, String canonical, String postgrey) {
    IpAddress a = IpAddress.parse(in);
    assertEquals(canonical, a.toString());
    assertEquals(postgrey, a.toPostgreyString());
    assertEquals(a, IpAddress.parse(a.toString()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "unknown",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "01.2.3.4",
        "1.2.3.4 ",
        " 1.2.3.4",
        "1..2.3",
        "fe80::1%eth0",
        ":::",
        "1:2:3:4:5:6:7:8:9",
        "1::2::3",
        "12345::",
        "g::1",
        "1:2:3:4:5:6:7::8",
        ":1::",
        "1:",
        "::1.2.3",
        "localhost",
        "1.2.3.4/24"
      })
  void rejectsWhatIsNotALiteral(String in) {
    assertNull(IpAddress.parse(in), in);
  }

  @Test
  void networkMasksHostBits() {
    assertEquals("192.0.2.0", IpAddress.parse("192.0.2.77").network(24).toString());
    assertEquals("10.128.0.0", IpAddress.parse("10.255.1.2").network(9).toString());
    assertEquals("2001:db8:1:2::", IpAddress.parse("2001:db8:1:2:3:4:5:6").network(64).toString());
    assertThrows(IllegalArgumentException.class, () -> IpAddress.parse("1.2.3.4").network(33));
  }

  @Test
  void cidrContains() {
    Cidr c = Cidr.parse("198.51.100.0/22");
    assertTrue(c.contains(IpAddress.parse("198.51.103.255")));
    assertFalse(c.contains(IpAddress.parse("198.51.104.0")));
    assertFalse(c.contains(IpAddress.parse("2001:db8::1")));
    assertTrue(Cidr.parse("2001:db8::/32").contains(IpAddress.parse("2001:db8:ffff::1")));
    assertTrue(Cidr.parse("0.0.0.0/0").contains(IpAddress.parse("8.8.8.8")));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("1.2.3.4/33"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("1.2.3.4/x"));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("300.2.3.4"));
  }
}
