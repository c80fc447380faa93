package org.greygate.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;

/**
 * Any datagram as the resolver's answer, through the path a real one takes: the transport's
 * matching ({@link UdpTransport#match}), then the client's reading of the answer, its cache and the
 * public lookups. Whatever the bytes, a lookup ends with values or a {@link DnsException}, never
 * another exception; what the matching lets through is a response to exactly the query asked.
 * Replayed from the committed corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=DnsAnswerFuzzTest -Djazzer.max_duration=10m} (docs/reliability.md).
 *
 * <p>Input: the datagram, then one byte (at the end) choosing the lookup: 0 A, 1 TXT, 2 MX, 3 PTR,
 * each for {@code host.fuzz.test} (PTR: 192.0.2.5); the query's ID is {@link #ID}.
 */
class DnsAnswerFuzzTest {
  static final int ID = 0x4242;
  static final InetAddress PTR_OF = address();

  /** A resolver whose answer to any query is the fuzzer's datagram, matched as the real one. */
  static final class Replay implements Resolver {
    final byte[] datagram;
    int asked;

    Replay(byte[] datagram) {
      this.datagram = datagram;
    }

    @Override
    public CompletableFuture<Message> query(Name name, int type, Duration timeout) {
      asked++;
      Message m = UdpTransport.match(ByteBuffer.wrap(datagram), ID, name, type);
      if (m == null) {
        return CompletableFuture.failedFuture(new SocketTimeoutException("timed out"));
      }
      assertEquals(ID, m.getHeader().getID());
      assertTrue(m.getHeader().getFlag(Flags.QR));
      assertEquals(1, m.getHeader().getCount(Section.QUESTION));
      assertEquals(name, m.getQuestion().getName());
      assertEquals(type, m.getQuestion().getType());
      assertEquals(DClass.IN, m.getQuestion().getDClass());
      return CompletableFuture.completedFuture(m);
    }

    @Override
    public long ignored() {
      return 0;
    }

    @Override
    public void close() {}
  }

  @FuzzTest(maxDuration = "5m")
  void anyDatagram(FuzzedDataProvider data) {
    int lookup = data.consumeInt(0, 3);
    Replay resolver = new Replay(data.consumeRemainingAsBytes());
    try (DnsClient client = new DnsClient(List.of(resolver), Duration.ofMillis(100), "fuzz")) {
      for (int round = 0; round < 2; round++) { // the second from the cache, or asked again
        CompletionStage<? extends Answer<?>> stage =
            switch (lookup) {
              case 0 -> client.ipv4("host.fuzz.test");
              case 1 -> client.txt("host.fuzz.test");
              case 2 -> client.mx("host.fuzz.test");
              default -> client.ptr(PTR_OF);
            };
        CompletableFuture<? extends Answer<?>> f = stage.toCompletableFuture();
        assertTrue(f.isDone(), "the lookup waits on nothing but the answer");
        Answer<?> answer;
        try {
          answer = f.join();
        } catch (CompletionException e) {
          assertInstanceOf(DnsException.class, e.getCause(), e.toString());
          continue;
        }
        assertTrue(answer.ttl() >= 0, "ttl " + answer.ttl());
        for (Object v : answer.values()) {
          assertNotNull(v);
          if (lookup == 0) assertInstanceOf(Inet4Address.class, v);
        }
      }
      assertTrue(resolver.asked <= 2);
    }
  }

  private static InetAddress address() {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 5});
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
