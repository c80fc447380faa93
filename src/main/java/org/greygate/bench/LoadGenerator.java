package org.greygate.bench;

import static org.greygate.config.InvalidSetting.check;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.greygate.config.InvalidSetting;

/**
 * Closed-loop load: {@code connections} connections, each sending one request and reading its whole
 * answer before sending the next, as Postfix's smtpd processes do. The connections are spread over
 * {@code threads} selector threads (non-blocking I/O), so the generator spends little CPU on thread
 * switches and does not become the bottleneck on a small machine. Requests pick triplets uniformly
 * from the keyspace. Requests sent in the first {@code warmupSeconds} are not counted.
 */
public final class LoadGenerator {
  /** What one run measured. */
  public record Result(
      int connections,
      double seconds,
      long requests,
      long errors,
      LatencyHistogram latency,
      Map<String, Long> answers,
      long[] perSecond) {
    public double throughput() {
      return requests / seconds;
    }

    /**
     * Requests per second over the last {@code tailSeconds} of the measured time (the whole of it
     * when shorter): a rate that holds only in the first seconds of a run is a burst, not a
     * sustained rate.
     */
    public double throughputOverLast(double tailSeconds) {
      int whole = (int) Math.floor(seconds);
      int n = (int) Math.min(whole, Math.max(1, Math.round(tailSeconds)));
      if (n <= 0 || whole <= 0) return throughput();
      long sum = 0;
      for (int i = whole - n; i < whole; i++) sum += perSecond[i];
      return sum / (double) n;
    }
  }

  /** The points of a run {@link #onPhase} reports, from the thread that called {@link #run}. */
  public enum Phase {
    /** The warm-up is over: measuring starts. */
    START,
    /** The last {@code tailSeconds} of the measured time start. */
    TAIL,
    /** Every connection has its last answer. */
    END
  }

  /** Told of each {@link Phase} of a run, at that moment; may block briefly (a scrape). */
  @FunctionalInterface
  public interface PhaseListener {
    void reached(Phase phase) throws IOException;
  }

  private final SocketAddress target;
  private final int connections;
  private final long keyspace;
  private final int threads;
  private final long keyOffset;
  private final boolean submission;
  private Profile profile = Profile.UNIFORM;
  private PhaseListener phases = p -> {};
  private double tailSeconds = 30;

  /**
   * Which triplets the requests carry.
   *
   * <ul>
   *   <li>{@code UNIFORM}: drawn uniformly from the keyspace (the tables before profiles);
   *   <li>{@code NEW}: every request a triplet never sent before (a spam wave: every one a write);
   *       consecutive triplets share client networks and sort near each other, so the store's
   *       inserts land on few pages;
   *   <li>{@code WAVE}: as {@code NEW}, but each triplet's number scrambled over 2^40 (a one-to-one
   *       mix), so client networks, senders and recipients are scattered as a botnet's are: every
   *       insert lands on a random page of the store (the hard case for a B-tree);
   *   <li>{@code MIX}: 70% new triplets, 20% retries of a triplet this connection sent about 4,096
   *       requests earlier (legitimate retries; past a short delay they pass), 10% a hot set of
   *       1,000 triplets sent again and again (known senders, auto-whitelisted clients);
   *   <li>{@code KNOWN}: a set of {@code min(keyspace, 10,000)} triplets, all seen after the
   *       warm-up (reads).
   * </ul>
   */
  public enum Profile {
    UNIFORM,
    NEW,
    WAVE,
    MIX,
    KNOWN
  }

  /** The hot set of the mix profile lives apart from every other key. */
  static final long HOT_BASE = 1L << 40;

  static final int RETRY_DISTANCE = 4096;

  /**
   * Tells {@code listener} when measuring starts, when the last {@code tailSeconds} start and when
   * the run is over (to read the server's own counters at those moments).
   */
  public LoadGenerator onPhase(double tailSeconds, PhaseListener listener) {
    check(tailSeconds > 0, "tail", "must be > 0, got " + tailSeconds);
    this.tailSeconds = tailSeconds;
    this.phases = listener;
    return this;
  }

  /** Uses {@code profile} for the requests' triplets (default {@link Profile#UNIFORM}). */
  public LoadGenerator profile(Profile profile) {
    this.profile = profile;
    return this;
  }

  public LoadGenerator(SocketAddress target, int connections, long keyspace) {
    this(target, connections, keyspace, 1, 0);
  }

  public LoadGenerator(
      SocketAddress target, int connections, long keyspace, int threads, long keyOffset) {
    this(target, connections, keyspace, threads, keyOffset, false);
  }

  /**
   * Triplets {@code keyOffset .. keyOffset + keyspace - 1}, driven by {@code threads} threads; with
   * {@code submission}, END-OF-MESSAGE requests of that many authenticated users instead.
   */
  public LoadGenerator(
      SocketAddress target,
      int connections,
      long keyspace,
      int threads,
      long keyOffset,
      boolean submission) {
    check(connections >= 1, "connections", "must be >= 1, got " + connections);
    check(keyspace >= 1, "keyspace", "must be >= 1, got " + keyspace);
    check(threads >= 1, "threads", "must be >= 1, got " + threads);
    this.target = target;
    this.connections = connections;
    this.keyspace = keyspace;
    this.threads = Math.min(threads, connections);
    check(keyOffset >= 0, "key-offset", "must be >= 0, got " + keyOffset);
    this.keyOffset = keyOffset;
    this.submission = submission;
  }

  /** {@code HOST:PORT} or {@code unix:PATH}. */
  public static SocketAddress parseTarget(String target) {
    if (target.startsWith("unix:")) {
      return UnixDomainSocketAddress.of(Path.of(target.substring(5)));
    }
    int colon = target.lastIndexOf(':');
    if (colon <= 0)
      throw new InvalidSetting("target", "must be HOST:PORT or unix:PATH, got '" + target + "'");
    String host = target.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    try {
      return new InetSocketAddress(host, Integer.parseInt(target.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new InvalidSetting("target", "has no port number in '" + target + "'");
    }
  }

  public Result run(double warmupSeconds, double seconds) throws IOException, InterruptedException {
    List<Worker> workers = new ArrayList<>();
    int buckets = (int) Math.ceil(seconds) + 1;
    for (int t = 0; t < threads; t++) {
      workers.add(new Worker(t, buckets));
    }
    for (int i = 0; i < connections; i++) {
      workers.get(i % threads).add(open(), i);
    }
    long start = System.nanoTime() + (long) (warmupSeconds * 1e9);
    long end = start + (long) (seconds * 1e9);
    CountDownLatch done = new CountDownLatch(threads);
    for (Worker w : workers) {
      Thread th =
          new Thread(
              () -> {
                try {
                  w.loop(start, end);
                } finally {
                  done.countDown();
                }
              },
              "load-" + w.index);
      th.setDaemon(true);
      th.start();
    }
    long tail = end - (long) (Math.min(tailSeconds, seconds) * 1e9);
    awaitUntil(done, start);
    phases.reached(Phase.START);
    awaitUntil(done, tail);
    phases.reached(Phase.TAIL);
    done.await();
    phases.reached(Phase.END);
    LatencyHistogram all = new LatencyHistogram();
    long[] perSecond = new long[buckets];
    Map<String, Long> answers = new TreeMap<>();
    long errors = 0;
    for (Worker w : workers) {
      all.add(w.histogram);
      w.finishAnswers();
      w.answers.forEach((k, v) -> answers.merge(k, v, Long::sum));
      errors += w.errors;
      for (int i = 0; i < buckets; i++) perSecond[i] += w.perSecond[i];
      w.close();
    }
    return new Result(
        connections, (end - start) / 1e9, all.count(), errors, all, answers, perSecond);
  }

  /** Waits until {@code nanoTime} is reached or every worker is done. */
  private static void awaitUntil(CountDownLatch done, long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0 && done.getCount() > 0) {
      done.await(left, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** A one-to-one mix of the low 40 bits (an odd multiplier and xor-shifts, each invertible). */
  static long scatter(long k) {
    final long mask = (1L << 40) - 1;
    long x = k & mask;
    x = (x ^ (x >>> 19)) & mask;
    x = (x * 0x9E3779B97L) & mask;
    x = (x ^ (x >>> 23)) & mask;
    x = (x * 0xC2B2AE3D27L) & mask;
    return (x ^ (x >>> 17)) & mask;
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
    ch.configureBlocking(false);
    return ch;
  }

  /** One connection's state: the request being written, the answer being read. */
  private static final class Conn {
    final SocketChannel channel;
    final int index;
    final SplittableRandom random;
    // direct buffers: the JDK copies a heap buffer into a temporary direct one at every read
    // and write, bookkeeping the generator should not pay (the server side has none of it)
    final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    final byte[] request = new byte[RequestFactory.MAX_REQUEST];
    final ByteBuffer out = ByteBuffer.allocateDirect(RequestFactory.MAX_REQUEST);
    final byte[] reply = new byte[64 * 1024];
    long sentAt;
    long sequence;
    long fresh; // new triplets this connection sent
    final long[] recent = new long[RETRY_DISTANCE]; // the last new ones, for retries

    Conn(SocketChannel channel, int index) {
      this.channel = channel;
      this.index = index;
      this.random = new SplittableRandom(0x5eedL + index);
    }
  }

  private final class Worker {
    final int index;
    final Selector selector;
    final List<Conn> conns = new ArrayList<>();
    final LatencyHistogram histogram = new LatencyHistogram();
    final Map<String, Long> answers = new TreeMap<>();
    final long[] perSecond; // answers counted, by the second of the measured time they were sent
    long errors;

    Worker(int index, int buckets) throws IOException {
      this.index = index;
      this.perSecond = new long[buckets];
      this.selector = Selector.open();
    }

    void add(SocketChannel ch, int connIndex) throws IOException {
      Conn c = new Conn(ch, connIndex);
      conns.add(c);
      ch.register(selector, SelectionKey.OP_READ, c);
    }

    void loop(long start, long end) {
      try {
        for (Conn c : conns) {
          send(c);
        }
        while (!conns.isEmpty()) {
          // keys handed over as they are ready: no selected-key set to fill, walk and clear
          selector.select(key -> ready(key, start, end), 100);
          if (System.nanoTime() >= end + 5_000_000_000L) {
            break; // a server that stopped answering must not hang the run
          }
        }
      } catch (IOException e) {
        errors++;
      }
    }

    void ready(SelectionKey key, long start, long end) {
      Conn c = (Conn) key.attachment();
      try {
        if (key.isValid() && key.isWritable()) {
          flush(c, key);
        }
        if (key.isValid() && key.isReadable()) {
          read(c, key, start, end);
        }
      } catch (IOException e) {
        errors++;
        key.cancel();
        conns.remove(c);
      }
    }

    long nextKey(Conn c) {
      switch (profile) {
        case NEW:
          return freshKey(c);
        case WAVE:
          return scatter(freshKey(c));
        case KNOWN:
          return keyOffset + c.random.nextLong(Math.min(keyspace, 10_000));
        case MIX:
          {
            int r = c.random.nextInt(100);
            if (r < 70 || (r < 90 && c.fresh < RETRY_DISTANCE)) return freshKey(c);
            if (r < 90) return c.recent[(int) (c.fresh % RETRY_DISTANCE)];
            return HOT_BASE + c.random.nextLong(1000);
          }
        default:
          return keyOffset + c.random.nextLong(keyspace);
      }
    }

    /** A triplet no connection sent before: connection i takes keys i, i + N, i + 2N... */
    long freshKey(Conn c) {
      long k = keyOffset + c.fresh * connections + c.index;
      c.recent[(int) (c.fresh % RETRY_DISTANCE)] = k;
      c.fresh++;
      return k;
    }

    void send(Conn c) throws IOException {
      long i = nextKey(c);
      long instance = ((long) c.index << 40) | c.sequence++;
      c.out.clear();
      if (submission) {
        c.out.put(RequestFactory.submission(i, instance));
      } else {
        c.out.put(c.request, 0, RequestFactory.writeRequest(i, instance, c.request));
      }
      c.out.flip();
      c.in.clear();
      c.sentAt = System.nanoTime();
      c.channel.write(c.out);
      if (c.out.hasRemaining()) {
        c.channel.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      }
    }

    void flush(Conn c, SelectionKey key) throws IOException {
      c.channel.write(c.out);
      if (!c.out.hasRemaining()) {
        key.interestOps(SelectionKey.OP_READ);
      }
    }

    void read(Conn c, SelectionKey key, long start, long end) throws IOException {
      if (c.channel.read(c.in) < 0) {
        throw new IOException("server closed the connection");
      }
      int p = c.in.position();
      if (p < 2 || c.in.get(p - 1) != '\n' || c.in.get(p - 2) != '\n') {
        if (!c.in.hasRemaining()) throw new IOException("answer larger than 64 KiB");
        return;
      }
      long t = System.nanoTime();
      if (c.sentAt >= start && c.sentAt < end) {
        histogram.record(t - c.sentAt);
        perSecond[(int) ((c.sentAt - start) / 1_000_000_000L)]++;
        c.in.get(0, c.reply, 0, p - 2);
        countAnswer(c.reply, p - 2);
      }
      if (t >= end) {
        key.cancel();
        conns.remove(c);
        return;
      }
      send(c);
    }

    // the answer classes seen, by their bytes: counting one allocates nothing
    private byte[][] classBytes = new byte[0][];
    private long[] classCounts = new long[0];
    private String[] classNames = new String[0];

    void countAnswer(byte[] reply, int length) {
      int from = length >= 7 && reply[0] == 'a' && reply[6] == '=' ? 7 : 0;
      int to = from;
      while (to < length && reply[to] != ' ' && reply[to] != '\n') to++;
      for (int k = 0; k < classBytes.length; k++) {
        if (java.util.Arrays.equals(classBytes[k], 0, classBytes[k].length, reply, from, to)) {
          classCounts[k]++;
          return;
        }
      }
      int n = classBytes.length;
      classBytes = java.util.Arrays.copyOf(classBytes, n + 1);
      classCounts = java.util.Arrays.copyOf(classCounts, n + 1);
      classNames = java.util.Arrays.copyOf(classNames, n + 1);
      classBytes[n] = java.util.Arrays.copyOfRange(reply, from, to);
      classNames[n] = answerClass(reply, length);
      classCounts[n] = 1;
    }

    /** Moves the answer counts into {@link #answers}, once the run is over. */
    void finishAnswers() {
      for (int k = 0; k < classNames.length; k++) {
        answers.merge(classNames[k], classCounts[k], Long::sum);
        classCounts[k] = 0;
      }
    }

    void close() {
      for (Conn c : conns) {
        try {
          c.channel.close();
        } catch (IOException e) {
          // gone
        }
      }
      try {
        selector.close();
      } catch (IOException e) {
        // gone
      }
    }
  }

  /**
   * The first word of the action ({@code DUNNO}, {@code PREPEND}, {@code DEFER_IF_PERMIT}, ...).
   */
  static String answerClass(byte[] reply, int length) {
    int from = 0;
    if (length >= 7 && new String(reply, 0, 7, StandardCharsets.US_ASCII).equals("action=")) {
      from = 7;
    }
    int to = from;
    while (to < length && reply[to] != ' ' && reply[to] != '\n') {
      to++;
    }
    return new String(reply, from, to - from, StandardCharsets.US_ASCII);
  }
}
