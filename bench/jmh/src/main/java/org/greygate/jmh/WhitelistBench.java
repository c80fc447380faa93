package org.greygate.jmh;

import java.util.concurrent.TimeUnit;
import org.greygate.inet.IpAddress;
import org.greygate.whitelist.ClientWhitelist;
import org.greygate.whitelist.RecipientWhitelist;
import org.openjdk.jmh.annotations.*;

/**
 * Matching against 10,000 client entries (host names, addresses, networks of several lengths,
 * and 20 regexes) and 10,000 recipient entries: the common case is a client on no list.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WhitelistBench {
  ClientWhitelist clients;
  RecipientWhitelist recipients;
  IpAddress miss = IpAddress.parse("198.18.7.9");
  IpAddress hitNet = IpAddress.parse("10.3.7.200");

  @Setup
  public void setUp() {
    ClientWhitelist.Builder c = new ClientWhitelist.Builder();
    RecipientWhitelist.Builder r = new RecipientWhitelist.Builder();
    for (int k = 0; k < 10_000; k++) {
      switch (k % 4) {
        case 0 -> c.add("mx" + k + ".provider" + (k % 300) + ".example");
        case 1 -> c.add("10." + (k >> 8 & 255) + "." + (k & 255) + ".0/24");
        case 2 -> c.add("2001:db8:" + Integer.toHexString(k) + "::/48");
        default -> c.add("192.0." + (k & 255) + "." + (k >> 8 & 255));
      }
      r.add(k % 2 == 0 ? "user" + k + "@rcpt" + (k % 100) + ".example" : "dept" + k + ".example");
    }
    for (int k = 0; k < 20; k++) {
      c.add("/^mail-[a-z0-9]+\\.pool" + k + "\\.example$/");
    }
    clients = c.build();
    recipients = r.build();
  }

  @Benchmark
  public boolean clientMiss() {
    return clients.matches("mta-17.outbound.unlisted.example", miss);
  }

  @Benchmark
  public boolean clientHitByNetwork() {
    return clients.matches("unknown", hitNet);
  }

  @Benchmark
  public boolean recipientMiss() {
    return recipients.matches("someone+tag@mail.unlisted.example");
  }
}
