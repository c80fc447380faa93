package org.greygate.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;

/**
 * Asks one resolver over UDP through a few long-lived sockets and one selector thread: a query is a
 * datagram written from the caller's thread, its answer matched by ID and question and handed to
 * the caller's future by the selector thread. dnsjava's own transport opens, binds and closes a
 * socket per query, which cost about half a millisecond of CPU a query here, more than the rest of
 * a decision; this costs a write and a read.
 *
 * <p>Spoofed answers: each socket is bound to a port the kernel picks at random and connected to
 * the resolver (datagrams from elsewhere never arrive), IDs are random, the question must match,
 * and the sockets are replaced after {@link #QUERIES_PER_SOCKET} queries. Answers with the TC bit
 * are asked again over TCP (dnsjava). EDNS0 asks for up to 1232 bytes, so SPF records rarely need
 * it.
 */
final class UdpTransport implements AutoCloseable {
  static final int SOCKETS = 4;
  static final int QUERIES_PER_SOCKET = 20_000;
  private static final int EDNS_SIZE = 1232;
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final InetSocketAddress server;
  private final SecureRandom random = new SecureRandom();
  private final Selector selector;
  // replaced only by the selector thread; read by every caller
  private final AtomicReferenceArray<Socket> sockets = new AtomicReferenceArray<>(SOCKETS);
  private final AtomicLong sent = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;

  /** One socket and its queries in flight. */
  private final class Socket {
    final DatagramChannel channel;
    final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    final AtomicLong uses = new AtomicLong();

    Socket() throws IOException {
      channel = DatagramChannel.open();
      channel.configureBlocking(false);
      channel.bind(null); // a port the kernel picks at random
      channel.connect(server);
    }
  }

  private record Pending(
      Message query, Name name, int type, long deadline, CompletableFuture<Message> answer) {}

  UdpTransport(InetSocketAddress server) throws IOException {
    this.server = server;
    this.selector = Selector.open();
    for (int i = 0; i < SOCKETS; i++) {
      Socket s = new Socket();
      s.channel.register(selector, SelectionKey.OP_READ, s);
      sockets.set(i, s);
    }
    this.thread = new Thread(this::run, "dns-" + server.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks {@code type} of {@code name}; the answer, or a failure after {@code timeout}. */
  CompletableFuture<Message> query(Name name, int type, Duration timeout) {
    CompletableFuture<Message> answer = new CompletableFuture<>();
    if (closed) {
      answer.completeExceptionally(new IOException("resolver client closed"));
      return answer;
    }
    Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    q.addRecord(new OPTRecord(EDNS_SIZE, 0, 0), Section.ADDITIONAL);
    int slot = (int) (sent.getAndIncrement() % SOCKETS);
    Socket s = sockets.get(slot);
    // a socket that served its share is left to drain, then replaced
    for (int i = 1; i < SOCKETS && s.uses.get() >= QUERIES_PER_SOCKET; i++) {
      s = sockets.get((slot + i) % SOCKETS);
    }
    int id;
    Pending p;
    do {
      id = random.nextInt(0x10000);
      q.getHeader().setID(id);
      p = new Pending(q, name, type, System.nanoTime() + timeout.toNanos(), answer);
    } while (s.pending.putIfAbsent(id, p) != null);
    try {
      int n = s.channel.write(ByteBuffer.wrap(q.toWire()));
      if (n == 0) throw new IOException("socket buffer full");
    } catch (IOException e) {
      s.pending.remove(id, p);
      answer.completeExceptionally(e);
      return answer;
    }
    if (s.uses.incrementAndGet() == QUERIES_PER_SOCKET) selector.wakeup(); // to replace it
    return answer;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(65_535);
    long lastSweep = System.nanoTime();
    while (!closed) {
      try {
        selector.select(20);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          Socket s = (Socket) key.attachment();
          while (true) {
            buf.clear();
            int n;
            try {
              n = s.channel.read(buf);
            } catch (IOException e) {
              break; // ICMP unreachable and the like: the queries time out
            }
            if (n <= 0) break;
            byte[] data = new byte[n];
            buf.flip();
            buf.get(data);
            receive(s, data);
          }
        }
        long now = System.nanoTime();
        if (now - lastSweep > SWEEP_NANOS) {
          lastSweep = now;
          sweep(now);
          renew();
        }
      } catch (IOException | RuntimeException e) {
        if (closed) break;
        org.slf4j.LoggerFactory.getLogger(UdpTransport.class).warn("DNS client: {}", e.toString());
      }
    }
    failAll(new IOException("resolver client closed"));
  }

  private void receive(Socket s, byte[] data) {
    Message m;
    try {
      m = new Message(data);
    } catch (IOException e) {
      return; // not DNS: ignore, the query times out if no real answer comes
    }
    Pending p = s.pending.get(m.getHeader().getID());
    if (p == null) return;
    Record question = m.getQuestion();
    if (question == null
        || question.getType() != p.type()
        || question.getDClass() != DClass.IN
        || !question.getName().equals(p.name())) {
      return; // an answer to another question: ignore it
    }
    if (!s.pending.remove(m.getHeader().getID(), p)) return;
    if (m.getHeader().getFlag(Flags.TC)) {
      SimpleResolver tcp = new SimpleResolver(server);
      tcp.setTCP(true);
      tcp.setTimeout(Duration.ofNanos(Math.max(1, p.deadline() - System.nanoTime())));
      tcp.sendAsync(p.query())
          .whenComplete(
              (answer, error) -> {
                if (error != null) p.answer().completeExceptionally(error);
                else p.answer().complete(answer);
              });
      return;
    }
    p.answer().complete(m);
  }

  private void sweep(long now) {
    for (int i = 0; i < SOCKETS; i++) {
      Socket s = sockets.get(i);
      if (s.pending.isEmpty()) continue;
      for (var it = s.pending.entrySet().iterator(); it.hasNext(); ) {
        Pending p = it.next().getValue();
        if (p.deadline() - now < 0) {
          it.remove();
          p.answer().completeExceptionally(new SocketTimeoutException("timed out"));
        }
      }
    }
  }

  /** Replaces sockets that served their share, once their queries are done or timed out. */
  private void renew() throws IOException {
    for (int i = 0; i < SOCKETS; i++) {
      Socket s = sockets.get(i);
      if (s.uses.get() >= QUERIES_PER_SOCKET && s.pending.isEmpty()) {
        Socket fresh = new Socket();
        fresh.channel.register(selector, SelectionKey.OP_READ, fresh);
        sockets.set(i, fresh);
        s.channel.close();
      }
    }
  }

  private void failAll(IOException e) {
    for (int i = 0; i < SOCKETS; i++) {
      Socket s = sockets.get(i);
      for (Pending p : List.copyOf(s.pending.values())) p.answer().completeExceptionally(e);
      s.pending.clear();
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(1000);
      for (int i = 0; i < SOCKETS; i++) sockets.get(i).channel.close();
      selector.close();
    } catch (IOException | InterruptedException e) {
      // closing anyway
    }
  }
}
