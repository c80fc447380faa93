package org.greygate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP link on loopback that hands on the bytes from its far end (a Redis master) to whoever
 * connected (a replica) {@code lag} later, and the other way at once: a replica that learns of
 * every write {@code lag} after the master took it, as one across a slow link. Thread per
 * direction; for tests only.
 */
public final class LaggingLink implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final long lagNanos;
  private final List<Socket> sockets = new ArrayList<>();
  private volatile boolean closed;

  private record Chunk(long due, byte[] bytes) {}

  private LaggingLink(int target, long lagMillis) throws IOException {
    this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    this.target = target;
    this.lagNanos = TimeUnit.MILLISECONDS.toNanos(lagMillis);
    Thread accept = new Thread(this::accept, "lagging-link-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** A link to {@code 127.0.0.1:target} that delays what target sends by {@code lagMillis}. */
  public static LaggingLink to(int target, long lagMillis) throws IOException {
    return new LaggingLink(target, lagMillis);
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket near = server.accept();
        Socket far = new Socket(InetAddress.getLoopbackAddress(), target);
        near.setTcpNoDelay(true);
        far.setTcpNoDelay(true);
        synchronized (sockets) {
          sockets.add(near);
          sockets.add(far);
        }
        start(() -> pump(near.getInputStream(), far.getOutputStream()));
        BlockingQueue<Chunk> lagging = new LinkedBlockingQueue<>();
        start(() -> read(far.getInputStream(), lagging));
        start(() -> deliver(lagging, near.getOutputStream()));
      } catch (IOException e) {
        return;
      }
    }
  }

  private interface Work {
    void run() throws Exception;
  }

  private static void start(Work w) {
    Thread t =
        new Thread(
            () -> {
              try {
                w.run();
              } catch (Exception e) {
                // the link closed
              }
            },
            "lagging-link");
    t.setDaemon(true);
    t.start();
  }

  private static void pump(InputStream in, OutputStream out) throws IOException {
    byte[] b = new byte[16384];
    for (int n; (n = in.read(b)) > 0; ) out.write(b, 0, n);
  }

  private void read(InputStream in, BlockingQueue<Chunk> q) throws IOException {
    byte[] b = new byte[16384];
    for (int n; (n = in.read(b)) > 0; ) {
      q.add(new Chunk(System.nanoTime() + lagNanos, java.util.Arrays.copyOf(b, n)));
    }
  }

  private static void deliver(BlockingQueue<Chunk> q, OutputStream out) throws Exception {
    while (true) {
      Chunk c = q.take();
      long wait = c.due() - System.nanoTime();
      if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
      out.write(c.bytes());
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (sockets) {
      for (Socket s : sockets) s.close();
    }
  }
}
