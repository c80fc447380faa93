package org.greygate.dns;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.testing.DnsServer;

/**
 * What a DNS query costs the daemon: {@code IN_FLIGHT} queries at a time (16 unless given), each a
 * name never asked before, against dnsmasq on loopback; prints queries/s and this JVM's CPU time a
 * query (dnsmasq's is not counted). docs/performance.md has the command and the numbers.
 */
public final class DnsThroughput {
  public static void main(String[] args) throws Exception {
    int inFlight = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int queries = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (DnsServer dns = DnsServer.start(List.of("address=/bench.test/192.0.2.1"));
        DnsClient client =
            DnsClient.of(
                List.of(new InetSocketAddress("127.0.0.1", dns.port)), Duration.ofSeconds(2))) {
      run(client, inFlight, queries / 2, "warm"); // the JIT
      for (int r = 0; r < rounds; r++) {
        long cpu = os.getProcessCpuTime();
        long start = System.nanoTime();
        long failed = run(client, inFlight, queries, "r" + r);
        long wall = System.nanoTime() - start;
        cpu = os.getProcessCpuTime() - cpu;
        System.out.printf(
            Locale.ROOT,
            "in flight %d: %d queries, %.0f queries/s, %.1f µs CPU a query, %d failed%n",
            inFlight,
            queries,
            queries * 1e9 / wall,
            cpu / 1e3 / queries,
            failed);
      }
    }
  }

  private static long run(DnsClient client, int inFlight, int queries, String tag)
      throws InterruptedException {
    Semaphore slots = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(queries);
    AtomicLong failed = new AtomicLong();
    for (int i = 0; i < queries; i++) {
      slots.acquire();
      client
          .ipv4("q" + i + "." + tag + "." + System.nanoTime() + ".bench.test")
          .whenComplete(
              (a, e) -> {
                if (e != null) failed.incrementAndGet();
                slots.release();
                done.countDown();
              });
    }
    done.await();
    return failed.get();
  }
}
