package org.greygate.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real DNS server of the test's own: {@code dnsmasq} on a free loopback port, authoritative for
 * {@code .test} (unknown names there are NXDOMAIN), serving the records the test gives in dnsmasq's
 * syntax ({@code address=/NAME/IP}, {@code txt-record=NAME,"TEXT"}). Queries for {@code dead.test}
 * and below are forwarded to a socket that reads them and never answers: a list whose servers are
 * down.
 */
public final class DnsServer implements AutoCloseable {
  public final int port;
  private final Path dir;
  private final Process process;
  private final DatagramSocket blackhole;
  private final Thread drain;

  private DnsServer(int port, Path dir, Process process, DatagramSocket blackhole, Thread drain) {
    this.port = port;
    this.dir = dir;
    this.process = process;
    this.blackhole = blackhole;
    this.drain = drain;
  }

  /** Starts dnsmasq with these configuration lines on top of the test's base configuration. */
  public static DnsServer start(List<String> records) throws Exception {
    String program = Requirements.program("dnsmasq", "/usr/sbin/dnsmasq");
    Path dir = Files.createTempDirectory("greygate-dns");
    DatagramSocket blackhole = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    Thread drain =
        new Thread(
            () -> {
              byte[] b = new byte[4096];
              while (!blackhole.isClosed()) {
                try {
                  blackhole.receive(new DatagramPacket(b, b.length));
                } catch (IOException e) {
                  return;
                }
              }
            },
            "dns-blackhole");
    drain.setDaemon(true);
    drain.start();
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = RedisServer.freePortForTests();
      List<String> conf = new ArrayList<>();
      conf.add("port=" + port);
      conf.add("listen-address=127.0.0.1");
      conf.add("bind-interfaces");
      conf.add("no-resolv");
      conf.add("no-hosts");
      conf.add("no-poll");
      conf.add("user=root");
      conf.add("local-ttl=300");
      conf.add("local=/test/");
      conf.add("server=/dead.test/127.0.0.1#" + blackhole.getLocalPort());
      conf.add("log-queries");
      conf.add("log-facility=" + dir.resolve("dnsmasq.log"));
      conf.add("pid-file=" + dir.resolve("dnsmasq.pid"));
      conf.addAll(records);
      Path file = dir.resolve("dnsmasq.conf");
      Files.write(file, conf, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(program, "--keep-in-foreground", "--conf-file=" + file)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout").toFile())
              .start();
      DnsServer s = new DnsServer(port, dir, p, blackhole, drain);
      if (s.answers()) return s;
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      last = new IOException("dnsmasq did not start:\n" + s.log());
    }
    blackhole.close();
    throw last;
  }

  /** Waits until the server answers a query of its own zone (NXDOMAIN is an answer). */
  private boolean answers() throws Exception {
    byte[] query = {
      0x12,
      0x34,
      0x01,
      0x00,
      0x00,
      0x01,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00,
      0x00, // header, 1 question
      5,
      'p',
      'r',
      'o',
      'b',
      'e',
      4,
      't',
      'e',
      's',
      't',
      0,
      0x00,
      0x01,
      0x00,
      0x01 // probe.test A
    };
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(200);
      while (System.nanoTime() < deadline && process.isAlive()) {
        s.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
        try {
          byte[] b = new byte[512];
          s.receive(new DatagramPacket(b, b.length));
          return true;
        } catch (IOException e) {
          Thread.sleep(50);
        }
      }
    }
    return false;
  }

  /** {@code 127.0.0.1:PORT}, for {@code --dns-server}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** What dnsmasq logged (its queries among them). */
  public String log() {
    try {
      Path l = dir.resolve("dnsmasq.log");
      String out = Files.exists(l) ? Files.readString(l) : "";
      return out + Files.readString(dir.resolve("stdout"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    blackhole.close();
    drain.join(2000);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
