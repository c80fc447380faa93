package org.greygate.protocol;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AttributeNamesTest {
  @Test
  void knownNamesAreSharedConstantsOthersAreNot() throws Exception {
    byte[] line = "xxclient_addressyy".getBytes(StandardCharsets.US_ASCII);
    assertSame("client_address", AttributeNames.lookup(line, 2, 14));
    assertNull(AttributeNames.lookup(line, 2, 13)); // "client_addres"
    assertNull(AttributeNames.lookup("x_custom".getBytes(StandardCharsets.US_ASCII), 0, 8));
    // decoded requests use them, and unknown names still decode
    PolicyRequest r = PolicyDecoderTest.decode("recipient=a@b\nx_custom=1\n\n").get(0);
    assertSame(
        "recipient",
        r.attributes().keySet().stream().filter("recipient"::equals).findFirst().get());
    assertSame("1", r.get("x_custom").intern());
  }
}
