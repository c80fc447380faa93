package org.greygate.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PolicyDecoderTest {
  static final String REQUEST =
      "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.1\n"
          + "client_name=mx.example.org\nsender=a@example.org\nrecipient=b@example.net\n"
          + "instance=123.456\n\n";

  static List<PolicyRequest> decode(ProtocolLimits limits, byte[]... chunks)
      throws ProtocolException {
    PolicyDecoder d = new PolicyDecoder(limits);
    List<PolicyRequest> out = new ArrayList<>();
    for (byte[] c : chunks) {
      d.feed(c, 0, c.length, out::add);
    }
    return out;
  }

  static List<PolicyRequest> decode(String... chunks) throws ProtocolException {
    byte[][] b = new byte[chunks.length][];
    for (int i = 0; i < chunks.length; i++) b[i] = chunks[i].getBytes(StandardCharsets.UTF_8);
    return decode(ProtocolLimits.DEFAULT, b);
  }

  @Test
  void wholeRequest() throws Exception {
    List<PolicyRequest> r = decode(REQUEST);
    assertEquals(1, r.size());
    assertEquals("192.0.2.1", r.get(0).clientAddress());
    assertEquals("b@example.net", r.get(0).recipient());
    assertEquals("RCPT", r.get(0).protocolState());
    assertEquals(7, r.get(0).attributes().size());
  }

  @Test
  void byteByByteAndEverySplitGiveTheSameRequest() throws Exception {
    byte[] all =
        (REQUEST + REQUEST.replace("b@example.net", "c@example.net"))
            .getBytes(StandardCharsets.UTF_8);
    List<PolicyRequest> expected = decode(ProtocolLimits.DEFAULT, all);
    assertEquals(2, expected.size());
    PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
    List<PolicyRequest> single = new ArrayList<>();
    for (byte b : all) d.feed(new byte[] {b}, 0, 1, single::add);
    assertEquals(expected, single);
    for (int cut = 0; cut <= all.length; cut++) {
      byte[] a = java.util.Arrays.copyOfRange(all, 0, cut);
      byte[] b = java.util.Arrays.copyOfRange(all, cut, all.length);
      assertEquals(expected, decode(ProtocolLimits.DEFAULT, a, b), "split at " + cut);
    }
  }

  @Test
  void randomSplitsOfManyRequestsDecodeTheSame() throws Exception {
    Random rnd = new Random(42);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 50; i++) sb.append(REQUEST.replace("123.456", "inst" + i));
    byte[] all = sb.toString().getBytes(StandardCharsets.UTF_8);
    List<PolicyRequest> expected = decode(ProtocolLimits.DEFAULT, all);
    for (int round = 0; round < 200; round++) {
      PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
      List<PolicyRequest> got = new ArrayList<>();
      int pos = 0;
      while (pos < all.length) {
        int n = Math.min(all.length - pos, 1 + rnd.nextInt(300));
        d.feed(all, pos, n, got::add);
        pos += n;
      }
      assertEquals(expected, got);
    }
  }

  @Test
  void splitsOnFirstEqualsOnly() throws Exception {
    PolicyRequest r = decode("sender=a=b@example.org\nx==\n\n").get(0);
    assertEquals("a=b@example.org", r.sender());
    assertEquals("=", r.get("x"));
  }

  @Test
  void emptyValueIsPresentButEmpty() throws Exception {
    PolicyRequest r = decode("etrn_domain=\nrequest=smtpd_access_policy\n\n").get(0);
    assertTrue(r.has("etrn_domain"));
    assertEquals("", r.get("etrn_domain"));
    assertFalse(r.has("queue_id"));
  }

  @Test
  void crlfIsTolerated() throws Exception {
    PolicyRequest r = decode("sender=a@example.org\r\nrecipient=b@example.net\r\n\r\n").get(0);
    assertEquals("a@example.org", r.sender());
    assertEquals("b@example.net", r.recipient());
  }

  @Test
  void controlCharactersInAValueBecomeQuestionMarks() throws Exception {
    // Postfix passes a quoted local part as it came: a bare CR, a TAB, an ESC reach the policy
    // server. They become '?' (as Postfix's own printable() does for the HELO name), so no key,
    // log line or dump row built from a value can hold a line break.
    PolicyRequest r =
        decode(
                "sender=x\rclient 192.0.2 9 2025-11-24t16:00:00z\r@a\n"
                    + "recipient=b\t\u001b[2J\u007f@b\r\n"
                    + "helo_name=h\u0001\n"
                    + "x_other=o\ro\n\n")
            .get(0);
    assertEquals("x?client 192.0.2 9 2025-11-24t16:00:00z?@a", r.sender());
    assertEquals("b??[2J?@b", r.recipient(), "the CR before LF is the line end, not a character");
    assertEquals("h?", r.get("helo_name"));
    assertEquals("o?o", r.get("x_other"));
    assertEquals("\u00e9\u0085", decode("sender=\u00e9\u0085\n\n").get(0).sender(), "C1 is not C0");
  }

  @Test
  void lastRepeatedAttributeWins() throws Exception {
    assertEquals("2", decode("a=1\na=2\n\n").get(0).get("a"));
    PolicyRequest r = decode("sender=x@a\nrecipient=r@b\nsender=y@a\na=1\n\n").get(0);
    assertEquals("y@a", r.sender());
    assertEquals(Map.of("sender", "y@a", "recipient", "r@b", "a", "1"), r.attributes());
  }

  @Test
  void decodedAndBuiltRequestsAreEqual() throws Exception {
    PolicyRequest decoded = decode(REQUEST.replace("\n\n", "\nx_custom=1\n\n")).get(0);
    Map<String, String> m = new java.util.HashMap<>(decoded.attributes());
    assertEquals(8, m.size());
    assertEquals(decoded, PolicyRequest.of(m));
    assertEquals(decoded.hashCode(), PolicyRequest.of(m).hashCode());
    assertEquals("1", PolicyRequest.of(m).get("x_custom"));
    assertEquals("123.456", PolicyRequest.of(m).instance());
  }

  @Test
  void aLargeRequestDoesNotDisturbTheNextOnes() throws Exception {
    String big = "x".repeat(8000);
    List<PolicyRequest> r =
        decode(
            "sender=a@example.org\nccert_subject=" + big + "\n\n" + REQUEST,
            REQUEST.substring(0, 30),
            REQUEST.substring(30));
    assertEquals(3, r.size());
    assertEquals(big, r.get(0).get("ccert_subject"));
    assertEquals("a@example.org", r.get(0).sender());
    assertEquals(r.get(1), r.get(2));
    assertEquals("192.0.2.1", r.get(2).clientAddress());
    assertFalse(r.get(2).has("ccert_subject"));
  }

  @Test
  void strayEmptyLinesBetweenRequestsAreSkipped() throws Exception {
    assertEquals(1, decode("\n\n\na=1\n\n\n").size());
  }

  @Test
  void invalidUtf8IsReplacedNotRejected() throws Exception {
    byte[] b = {'s', '=', (byte) 0xff, 'x', '\n', '\n'};
    assertEquals("\uFFFDx", decode(ProtocolLimits.DEFAULT, b).get(0).get("s"));
    byte[] known = {'s', 'e', 'n', 'd', 'e', 'r', '=', 'a', (byte) 0xc3, '\n', '\n'};
    assertEquals("a\uFFFD", decode(ProtocolLimits.DEFAULT, known).get(0).sender());
    assertEquals("é", decode("s=é\n\n").get(0).get("s"));
  }

  @Test
  void overLongLineFails() {
    String line = "x=" + "a".repeat(ProtocolLimits.DEFAULT.maxLineBytes());
    ProtocolException e = assertThrows(ProtocolException.class, () -> decode(line));
    assertEquals(ProtocolException.Kind.LINE_TOO_LONG, e.kind());
  }

  @Test
  void lineAtTheLimitPasses() throws Exception {
    String value = "a".repeat(ProtocolLimits.DEFAULT.maxLineBytes() - 2);
    assertEquals(value, decode("x=" + value + "\n\n").get(0).get("x"));
  }

  @Test
  void tooManyAttributesFails() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i <= ProtocolLimits.DEFAULT.maxAttributes(); i++)
      sb.append("a").append(i).append("=1\n");
    ProtocolException e = assertThrows(ProtocolException.class, () -> decode(sb.toString()));
    assertEquals(ProtocolException.Kind.TOO_MANY_ATTRIBUTES, e.kind());
  }

  @Test
  void requestTooLargeFails() {
    ProtocolLimits small = new ProtocolLimits(100, 1000, 1000);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 30; i++)
      sb.append("attribute").append(i).append("=").append("v".repeat(40)).append('\n');
    ProtocolException e =
        assertThrows(
            ProtocolException.class,
            () -> decode(small, sb.toString().getBytes(StandardCharsets.US_ASCII)));
    assertEquals(ProtocolException.Kind.REQUEST_TOO_LARGE, e.kind());
  }

  @Test
  void nulByteFails() {
    byte[] b = {'a', '=', 0, '\n', '\n'};
    assertEquals(
        ProtocolException.Kind.NUL_BYTE,
        assertThrows(ProtocolException.class, () -> decode(ProtocolLimits.DEFAULT, b)).kind());
  }

  @Test
  void missingEqualsAndEmptyNameFail() {
    assertEquals(
        ProtocolException.Kind.MISSING_EQUALS,
        assertThrows(ProtocolException.class, () -> decode("garbage\n\n")).kind());
    assertEquals(
        ProtocolException.Kind.EMPTY_NAME,
        assertThrows(ProtocolException.class, () -> decode("=value\n\n")).kind());
  }

  @Test
  void failedDecoderStaysFailed() {
    PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
    byte[] bad = "oops\n".getBytes(StandardCharsets.US_ASCII);
    assertThrows(ProtocolException.class, () -> d.feed(bad, 0, bad.length, r -> {}));
    byte[] good = REQUEST.getBytes(StandardCharsets.US_ASCII);
    assertThrows(ProtocolException.class, () -> d.feed(good, 0, good.length, r -> {}));
  }

  @Test
  void reportsWhetherARequestIsPending() throws Exception {
    PolicyDecoder d = new PolicyDecoder(ProtocolLimits.DEFAULT);
    assertTrue(d.isBetweenRequests());
    byte[] half = "a=1\nb=".getBytes(StandardCharsets.US_ASCII);
    d.feed(half, 0, half.length, r -> {});
    assertFalse(d.isBetweenRequests());
  }

  @Test
  void limitsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new ProtocolLimits(10, 100, 1000));
    assertThrows(IllegalArgumentException.class, () -> new ProtocolLimits(1000, 100, 500));
  }
}
