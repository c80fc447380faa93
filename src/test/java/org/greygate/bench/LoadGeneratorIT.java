package org.greygate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.metrics.Metrics;
import org.greygate.server.ListenAddress;
import org.greygate.server.PolicyServer;
import org.greygate.server.ServerOptions;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;

class LoadGeneratorIT {
  @Test
  void measuresAgainstARealServerAndSendsPostfixShapedRequests() throws Exception {
    AtomicLong seen = new AtomicLong();
    AtomicLong attributes = new AtomicLong();
    PolicyServer server =
        new PolicyServer(
            ServerOptions.listening(List.of(new ListenAddress.Inet("127.0.0.1", 0))).build(),
            TestPolicy.sync(
                r -> {
                  seen.incrementAndGet();
                  attributes.set(r.attributes().size());
                  return r.recipient().endsWith("@rcpt.example") && "RCPT".equals(r.protocolState())
                      ? "DUNNO"
                      : "REJECT bad";
                }),
            Metrics.NONE);
    try {
      SocketAddress a = server.start().get(0);
      LoadGenerator.Result r = new LoadGenerator(a, 2, 1000).run(0.2, 1.0);
      assertTrue(r.requests() > 100, "requests " + r.requests());
      assertEquals(0, r.errors());
      assertEquals(r.requests(), r.answers().get("DUNNO"));
      assertTrue(seen.get() >= r.requests());
      assertTrue(attributes.get() >= 28, "Postfix sends about 30 attributes: " + attributes.get());
      assertTrue(r.latency().percentileMicros(0.5) > 0);
    } finally {
      server.close();
    }
  }
}
