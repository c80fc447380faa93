package org.greygate.greylist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SenderNormalizerTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "bob@example.org|bob@example.org",
        "bob+list-123@example.org|bob@example.org",
        "bounce-12345-678@lists.example.org|bounce-#-#@lists.example.org",
        "user123@example.org|user123@example.org",
        "123@example.org|#@example.org",
        "a.1.b@example.org|a.#.b@example.org",
        "prvs=0123456789=bob@example.org|bob@example.org",
        "prvs=bob=0123456789@example.org|bob@example.org",
        "prvs=abcdefghij=klmnopqrst@example.org|klmnopqrst@example.org",
        "prvs=x=y@example.org|y@example.org",
        "prvs=a=@example.org|prvs=a=@example.org",
        "PRVS=0123456789=bob@example.org|PRVS=#=bob@example.org",
        "prvs=1234567890=bob+ext@example.org|bob@example.org",
        "no-at-sign-123|no-at-sign-123",
        "''|''",
        "a@b@c|a@b@c",
        "x_1@example.org|x_1@example.org",
        "srs0=ab12=34=example.com=user@forwarder.example|srs0=ab12=#=example.com=user@forwarder.example",
      })
  void normalisesLikePostgrey(String in, String out) {
    assertEquals(out, SenderNormalizer.normalize(in));
  }
}
