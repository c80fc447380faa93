package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolException;
import org.greygate.protocol.ProtocolLimits;

/**
 * Any bytes, in any split: the decoder either hands out requests within the limits, whose names and
 * values hold no control character, or reports a ProtocolException; nothing else escapes, and
 * feeding the same bytes whole gives the same result. Replayed from the committed corpus on every
 * test run; fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=DecoderFuzzTest
 * -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class DecoderFuzzTest {
  static final ProtocolLimits LIMITS = new ProtocolLimits(256, 16, 2048);

  @FuzzTest(maxDuration = "5m")
  void anyBytesInAnySplit(FuzzedDataProvider data) {
    int splits = data.consumeInt(0, 16);
    List<byte[]> chunks = new ArrayList<>();
    for (int i = 0; i < splits; i++) {
      chunks.add(data.consumeBytes(data.consumeInt(0, 300)));
    }
    chunks.add(data.consumeRemainingAsBytes());

    Outcome split = decode(chunks);
    byte[] whole = concat(chunks);
    Outcome once = decode(List.of(whole));
    assertTrue(
        split.requests.equals(once.requests) && split.failed == once.failed,
        "split and whole differ: " + split + " vs " + once);
    for (PolicyRequest r : split.requests) {
      assertTrue(r.attributes().size() <= LIMITS.maxAttributes());
      for (Map.Entry<String, String> e : r.attributes().entrySet()) {
        assertTrue(!e.getKey().isEmpty() && e.getKey().indexOf('=') < 0);
        // no control character survives decoding: CR, TAB, ESC, DEL have become '?'
        for (String s : List.of(e.getKey(), e.getValue())) {
          for (int i = 0; i < s.length(); i++) {
            assertTrue(
                s.charAt(i) >= 0x20 && s.charAt(i) != 0x7f, () -> "control character in " + s);
          }
        }
        // whatever a value holds, a reply built from it stays one reply
        String reply =
            new String(
                PolicyReply.encode(
                    new org.greygate.protocol.Outcome.Defer(
                        "DEFER", e.getValue(), org.greygate.protocol.Outcome.Note.of("x", "y"))),
                StandardCharsets.UTF_8);
        assertTrue(reply.indexOf('\n') == reply.length() - 2 && reply.indexOf('\r') < 0);
      }
    }
  }

  record Outcome(List<PolicyRequest> requests, boolean failed) {}

  static Outcome decode(List<byte[]> chunks) {
    PolicyDecoder d = new PolicyDecoder(LIMITS);
    List<PolicyRequest> out = new ArrayList<>();
    try {
      for (byte[] c : chunks) {
        d.feed(c, 0, c.length, out::add);
      }
      return new Outcome(out, false);
    } catch (ProtocolException e) {
      return new Outcome(out, true);
    }
  }

  static byte[] concat(List<byte[]> chunks) {
    int n = 0;
    for (byte[] c : chunks) n += c.length;
    byte[] all = new byte[n];
    int p = 0;
    for (byte[] c : chunks) {
      System.arraycopy(c, 0, all, p, c.length);
      p += c.length;
    }
    return all;
  }
}
