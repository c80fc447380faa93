package org.greygate.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * Closed-loop load: {@code connections} threads, each with its own connection, each sending one
 * request and reading its whole answer before the next. Requests pick triplets uniformly from the
 * keyspace. The first {@code warmupSeconds} are not counted.
 */
public final class LoadGenerator {
  /** What one run measured. */
  public record Result(
      int connections,
      double seconds,
      long requests,
      long errors,
      LatencyHistogram latency,
      Map<String, Long> answers) {
    public double throughput() {
      return requests / seconds;
    }
  }

  private final SocketAddress target;
  private final int connections;
  private final long keyspace;

  public LoadGenerator(SocketAddress target, int connections, long keyspace) {
    if (connections < 1) throw new IllegalArgumentException("--connections must be >= 1");
    if (keyspace < 1) throw new IllegalArgumentException("--keyspace must be >= 1");
    this.target = target;
    this.connections = connections;
    this.keyspace = keyspace;
  }

  /** {@code HOST:PORT} or {@code unix:PATH}. */
  public static SocketAddress parseTarget(String target) {
    if (target.startsWith("unix:")) {
      return UnixDomainSocketAddress.of(Path.of(target.substring(5)));
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0) throw new IllegalArgumentException("--target must be HOST:PORT or unix:PATH, got '" + target + "'");
    String host = target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    return new InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1)));
  }

  public Result run(double warmupSeconds, double seconds) throws IOException, InterruptedException {
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      workers.add(new Worker(open(), new SplittableRandom(0x5eed + i), i));
    }
    long start = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = start + (long) (seconds * 1e9);
    CountDownLatch done = new CountDownLatch(connections);
    for (Worker w : workers) {
      Thread t = new Thread(() -> {
        try {
          w.loop(start, end);
        } finally {
          done.countDown();
        }
      }, "load-" + w.index);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    long elapsed = end - start;
    LatencyHistogram all = new LatencyHistogram();
    Map<String, Long> answers = new TreeMap<>();
    long errors = 0;
    for (Worker w : workers) {
      all.add(w.histogram);
      w.answers.forEach((k, v) -> answers.merge(k, v, Long::sum));
      errors += w.errors;
      w.close();
    }
    return new Result(connections, elapsed / 1e9, all.count(), errors, all, answers);
  }

  private SocketChannel open() throws IOException {
    SocketChannel ch =
        target instanceof UnixDomainSocketAddress
            ? SocketChannel.open(StandardProtocolFamily.UNIX)
            : SocketChannel.open();
    ch.connect(target);
    if (!(target instanceof UnixDomainSocketAddress)) {
      ch.socket().setTcpNoDelay(true);
    }
    return ch;
  }

  private final class Worker {
    final SocketChannel channel;
    final SplittableRandom random;
    final int index;
    final LatencyHistogram histogram = new LatencyHistogram();
    final Map<String, Long> answers = new TreeMap<>();
    final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    long errors;

    Worker(SocketChannel channel, SplittableRandom random, int index) {
      this.channel = channel;
      this.random = random;
      this.index = index;
    }

    /** Runs until {@code end} (System.nanoTime); counts requests that start at or after {@code start}. */
    void loop(long start, long end) {
      long n = 0;
      while (true) {
        byte[] req = RequestFactory.request(random.nextLong(keyspace), ((long) index << 40) | n++);
        long t0 = System.nanoTime();
        if (t0 >= end) {
          return;
        }
        String answer;
        try {
          ByteBuffer out = ByteBuffer.wrap(req);
          while (out.hasRemaining()) channel.write(out);
          answer = readAnswer();
        } catch (IOException e) {
          errors++;
          return;
        }
        long t = System.nanoTime() - t0;
        if (t0 >= start) {
          histogram.record(t);
          int sp = answer.indexOf(' ');
          answers.merge(sp < 0 ? answer : answer.substring(0, sp), 1L, Long::sum);
        }
      }
    }

    /** Reads up to the blank line ending one answer; returns the action text. */
    String readAnswer() throws IOException {
      in.clear();
      while (true) {
        if (channel.read(in) < 0) throw new IOException("server closed the connection");
        int p = in.position();
        if (p >= 2 && in.get(p - 1) == '\n' && in.get(p - 2) == '\n') {
          String s = new String(in.array(), 0, p - 2, java.nio.charset.StandardCharsets.UTF_8);
          return s.startsWith("action=") ? s.substring(7) : s;
        }
        if (!in.hasRemaining()) throw new IOException("answer larger than 64 KiB");
      }
    }

    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // gone
      }
    }
  }
}
