package org.greygate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.testing.Daemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint of {@code serve --metrics} under attack, through the daemon run as a
 * process: clients that stall, dribble, idle or send a huge header never stop {@code /metrics} and
 * {@code /health} for the others, and each is closed at a bounded time.
 */
class MetricsEndpointAttackIT {
  /** How long a request's head may take (HttpEndpoint's default), and a margin for a busy host. */
  static final long HEADER_MILLIS = 10_000;

  static final long MARGIN_MILLIS = 3_000;

  /** Connections open at once (HttpEndpoint's default). */
  static final int CAP = 256;

  @TempDir static Path dir;
  static Daemon daemon;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    daemon =
        Daemon.serve("--inet=127.0.0.1:0", "--dbdir=" + dir.resolve("db"), "--metrics=127.0.0.1:0");
    int metricsPort = daemon.metricsPort();
    port = metricsPort;
  }

  @AfterAll
  static void stop() {
    if (daemon != null) daemon.close();
  }

  record Reply(int status, String head, String body, long millis) {}

  static Socket connect() throws IOException {
    return connect(1000);
  }

  /** Many at once on a busy 2-core host: the accept queue may be a moment behind. */
  static Socket connect(int millis) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), millis);
    return s;
  }

  /** One request on a fresh connection ({@code Connection: close}), read to the end. */
  static Reply ask(String method, String path) throws IOException {
    long start = System.nanoTime();
    try (Socket s = connect()) {
      s.setSoTimeout(1000);
      s.getOutputStream()
          .write(
              (method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] all = readToEnd(s.getInputStream());
      return reply(all, start);
    }
  }

  static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = new byte[8192];
    for (int n = in.read(b); n >= 0; n = in.read(b)) out.write(b, 0, n);
    return out.toByteArray();
  }

  static Reply reply(byte[] all, long start) {
    String text = new String(all, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    assertTrue(end > 0, "no HTTP head in: " + text);
    String head = text.substring(0, end);
    int status = Integer.parseInt(head.substring(9, 12));
    return new Reply(
        status, head, text.substring(end + 4), (System.nanoTime() - start) / 1_000_000);
  }

  /** /metrics and /health answer, each within a second. */
  static void scrapesAnswer(String while_) throws IOException {
    for (String path : List.of("/metrics", "/health")) {
      Reply r;
      try {
        r = ask("GET", path);
      } catch (SocketTimeoutException e) {
        throw new AssertionError(path + " gave no answer within 1 s " + while_, e);
      }
      assertEquals(200, r.status(), path + " " + while_ + ": " + r.head());
      assertTrue(r.millis() < 1000, path + " took " + r.millis() + " ms " + while_);
    }
  }

  /** Milliseconds until the server closes {@code s}, reading what it sends, at most {@code max}. */
  static long closedWithin(Socket s, long max) throws IOException {
    long start = System.nanoTime();
    s.setSoTimeout((int) max);
    InputStream in = s.getInputStream();
    byte[] b = new byte[4096];
    try {
      while (in.read(b) >= 0) {
        if ((System.nanoTime() - start) / 1_000_000 > max) break;
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + max + " ms");
    } catch (IOException e) {
      // reset: closed too
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void aStalledClientADribblerAndIdleConnectionsNeverStopTheScrapes() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try (Socket oneByte = connect();
        Socket dribbler = connect()) {
      long opened = System.nanoTime();
      oneByte.getOutputStream().write('G');
      oneByte.getOutputStream().flush();
      scrapesAnswer("while one client sent one byte");
      for (int i = 0; i < 200; i++) idle.add(connect(5000));
      scrapesAnswer("while one client sent one byte and 200 are idle");

      // slowloris: a valid head, one byte a second, never finished
      byte[] head =
          "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              .getBytes(StandardCharsets.US_ASCII);
      OutputStream drip = dribbler.getOutputStream();
      long dripStart = System.nanoTime();
      boolean cut = false;
      for (int i = 0; i < head.length; i++) {
        try {
          drip.write(head[i]);
          drip.flush();
        } catch (IOException e) {
          cut = true; // the server closed it
          break;
        }
        if (i % 3 == 0) scrapesAnswer("while a client dribbles a byte a second");
        Thread.sleep(1000);
        if ((System.nanoTime() - dripStart) / 1_000_000 > HEADER_MILLIS + MARGIN_MILLIS) break;
      }
      long dripped = (System.nanoTime() - dripStart) / 1_000_000;
      if (!cut) dripped += closedWithin(dribbler, 2000);
      assertTrue(
          dripped >= HEADER_MILLIS - 1000 && dripped <= HEADER_MILLIS + MARGIN_MILLIS,
          "the dribbler is closed at the header timeout, not after " + dripped + " ms");

      long left = HEADER_MILLIS + MARGIN_MILLIS - (System.nanoTime() - opened) / 1_000_000;
      closedWithin(oneByte, Math.max(left, 500));
      for (Socket s : idle) closedWithin(s, 2000);
      scrapesAnswer("after the stalled clients were closed");
    } finally {
      for (Socket s : idle) s.close();
    }
  }

  @Test
  void beyondTheCapNewConnectionsAreClosedAtOnceAndScrapesComeBackWhenOthersClose()
      throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < CAP + 40; i++) held.add(connect(5000));
      int closed = 0;
      for (Socket s : held.subList(CAP - 10, held.size())) {
        s.setSoTimeout(200);
        try {
          if (s.getInputStream().read() < 0) closed++;
        } catch (SocketTimeoutException e) {
          // still open
        } catch (IOException e) {
          closed++; // reset
        }
      }
      assertTrue(closed >= 40, closed + " of the connections beyond the cap closed at once");
    } finally {
      for (Socket s : held) s.close();
    }
    Thread.sleep(200); // the server sees the closes
    scrapesAnswer("once the connections beyond the cap were closed by their clients");
  }

  @Test
  void aHugeHeaderIsRefusedAndClosed() throws Exception {
    try (Socket s = connect()) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      byte[] all = readToEnd(s.getInputStream());
      Reply r = reply(all, System.nanoTime());
      assertEquals(431, r.status(), r.head());
    } catch (IOException e) {
      // a reset while still writing the header counts too: refused
    }
    try (Socket s = connect()) {
      s.setSoTimeout(2000);
      s.getOutputStream()
          .write(
              ("GET /" + "a".repeat(16 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      Reply r = reply(readToEnd(s.getInputStream()), System.nanoTime());
      assertEquals(414, r.status(), r.head());
    }
    scrapesAnswer("after a huge header");
  }

  @Test
  void methodsPathsHeadAndKeepAlive() throws Exception {
    assertEquals(405, ask("POST", "/metrics").status());
    assertEquals(405, ask("DELETE", "/health").status());
    assertEquals(404, ask("GET", "/nothing").status());
    Reply head = ask("HEAD", "/metrics");
    assertEquals(200, head.status());
    assertEquals("", head.body());
    assertTrue(head.head().toLowerCase().contains("content-type: text/plain"), head.head());
    Reply health = ask("GET", "/health");
    assertEquals("ok\n", health.body());

    // two requests over one connection, then the server keeps it open
    try (Socket s = connect()) {
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 2; i++) {
        out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] b = new byte[4096];
        int n = in.read(b);
        String r = new String(b, 0, n, StandardCharsets.US_ASCII);
        assertTrue(r.startsWith("HTTP/1.1 200"), r);
        assertTrue(r.endsWith("ok\n"), r);
      }
    }
  }

  @Test
  void openMetricsWhenAsked() throws Exception {
    try (Socket s = connect()) {
      s.setSoTimeout(2000);
      s.getOutputStream()
          .write(
              ("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      + "Accept: application/openmetrics-text; version=1.0.0\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      Reply r = reply(readToEnd(s.getInputStream()), System.nanoTime());
      assertEquals(200, r.status());
      assertTrue(
          r.head().toLowerCase().contains("content-type: application/openmetrics-text"), r.head());
      assertTrue(r.body().endsWith("# EOF\n"), r.body());
    }
  }
}
