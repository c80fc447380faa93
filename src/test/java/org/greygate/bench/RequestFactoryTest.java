package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestFactoryTest {
  @Test
  void theWrittenRequestIsTheBuiltOneByteForByte() {
    byte[] out = new byte[RequestFactory.MAX_REQUEST];
    long[] keys = {0, 1, 9, 10, 255, 256, 65_535, 123_456_789, 1L << 40, (1L << 40) + 999};
    long[] instances = {0, 1, 15, 16, 0xabcdef, (3L << 40) | 77, Long.MAX_VALUE};
    for (long i : keys) {
      for (long inst : instances) {
        int n = RequestFactory.writeRequest(i, inst, out);
        assertEquals(
            new String(RequestFactory.request(i, inst), StandardCharsets.US_ASCII),
            new String(out, 0, n, StandardCharsets.US_ASCII),
            "i=" + i + " instance=" + inst);
      }
    }
  }

  @Test
  void aSubmissionRequestFitsTheLongestRequest() {
    // the generator sends both kinds through one buffer of MAX_REQUEST bytes
    long[] extremes = {0, Long.MAX_VALUE, Long.MIN_VALUE, -1};
    for (long i : extremes) {
      for (long inst : extremes) {
        int n = RequestFactory.submission(i, inst).length;
        org.junit.jupiter.api.Assertions.assertTrue(
            n <= RequestFactory.MAX_REQUEST, "i=" + i + " instance=" + inst + ": " + n);
      }
    }
  }
}
