package org.greygate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A blocking policy-protocol client over TCP or a unix socket, as Postfix talks. */
public final class PolicyClient implements AutoCloseable {
  private final SocketChannel channel;
  private final InputStream in;
  private final OutputStream out;

  public PolicyClient(SocketAddress address) throws IOException {
    if (address instanceof UnixDomainSocketAddress) {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } else {
      channel = SocketChannel.open();
    }
    channel.connect(address);
    if (!(address instanceof UnixDomainSocketAddress)) {
      channel.socket().setSoTimeout(10_000);
    }
    in = Channels.newInputStream(channel);
    out = Channels.newOutputStream(channel);
  }

  public static PolicyClient tcp(int port) throws IOException {
    return new PolicyClient(new InetSocketAddress("127.0.0.1", port));
  }

  /** Sends one request and returns the reply's action text (without "action=" and newlines). */
  public String ask(Map<String, String> attributes) throws IOException {
    send(encode(attributes));
    return readReply();
  }

  public static byte[] encode(Map<String, String> attributes) {
    StringBuilder sb = new StringBuilder();
    attributes.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  public void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Closes a connection whose reply does not come, so a test fails instead of hanging. */
  private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "policy-client-watchdog");
            t.setDaemon(true);
            return t;
          });

  /**
   * Reads one reply; null if the server closed the connection first.
   *
   * @throws IOException also when no reply came within 30 s (the connection is then closed)
   */
  public String readReply() throws IOException {
    java.util.concurrent.ScheduledFuture<?> guard =
        WATCHDOG.schedule(
            () -> {
              try {
                channel.close();
              } catch (IOException e) {
                // closing is all we can do
              }
            },
            30,
            java.util.concurrent.TimeUnit.SECONDS);
    try {
      return readReplyUnbounded();
    } catch (java.nio.channels.AsynchronousCloseException e) {
      throw new IOException("no reply within 30 s", e);
    } finally {
      guard.cancel(false);
    }
  }

  private String readReplyUnbounded() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (b == '\n' && prev == '\n') {
        break;
      }
      buf.write(b);
      prev = b;
    }
    String reply = buf.toString(StandardCharsets.UTF_8);
    if (!reply.startsWith("action=") || !reply.endsWith("\n")) {
      throw new IOException("malformed reply: " + reply);
    }
    return reply.substring("action=".length(), reply.length() - 1);
  }

  /** True once the server has closed the connection (reads EOF within the socket timeout). */
  public boolean closedByServer() {
    // waits 10 s at most: a server that never closes fails the test instead of hanging it
    try (java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
      channel.configureBlocking(false);
      try {
        channel.register(selector, java.nio.channels.SelectionKey.OP_READ);
        if (selector.select(10_000) == 0) {
          return false;
        }
        return channel.read(ByteBuffer.allocate(1)) < 0;
      } finally {
        selector.close();
        channel.configureBlocking(true);
      }
    } catch (IOException e) {
      return true;
    }
  }

  public SocketChannel channel() {
    return channel;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
