package org.greygate.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.WireParseException;

/**
 * Asks one resolver over UDP, a socket per query and one selector thread: a query is a datagram
 * written from the caller's thread through a socket of its own, its answer read and matched by the
 * selector thread and handed to the caller's future, the socket closed after its answer or its
 * timeout. dnsjava's own transport does the same through a general-purpose selector loop that cost
 * about half a millisecond of CPU a query here; this costs the socket's system calls.
 *
 * <p>Spoofed answers (RFC 5452): each query's socket is bound to a port the kernel picks at random
 * for it and connected to the resolver (datagrams from any other address or port never arrive); the
 * ID is random (SecureRandom); an answer counts only with the QR bit, the query's ID, opcode QUERY
 * and exactly its question (name in any letter case, type, class IN). Anything else is ignored and
 * counted ({@link #ignored()}), and the query keeps waiting for its answer. Answers with the TC bit
 * are asked again over TCP (dnsjava). EDNS0 asks for up to 1232 bytes, so SPF records rarely need
 * it.
 */
final class UdpTransport implements Resolver {
  private static final Logger log = LoggerFactory.getLogger(UdpTransport.class);
  private static final int EDNS_SIZE = 1232;
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final InetSocketAddress server;
  private final SecureRandom random = new SecureRandom();
  private final Selector selector;
  private final Set<Query> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong ignored = new AtomicLong();
  private final AtomicBoolean asleep = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean closed;

  /** One query in flight on its own socket. */
  private record Query(
      DatagramChannel channel,
      Message query,
      int id,
      Name name,
      int type,
      long deadline,
      CompletableFuture<Message> answer) {}

  UdpTransport(InetSocketAddress server) throws IOException {
    this.server = server;
    this.selector = Selector.open();
    // a first socket now, so that its classes are loaded at start, not on the first mail's time
    try (DatagramChannel warm = DatagramChannel.open()) {
      warm.configureBlocking(false);
      warm.bind(null);
      warm.connect(server);
      warm.register(selector, SelectionKey.OP_READ).cancel();
    }
    this.thread = new Thread(this::run, "dns-" + server.getPort());
    thread.setDaemon(true);
    thread.start();
  }

  /** Answers and datagrams ignored so far because they did not answer the query (see above). */
  @Override
  public long ignored() {
    return ignored.get();
  }

  /** Asks {@code type} of {@code name}; the answer, or a failure after {@code timeout}. */
  @Override
  public CompletableFuture<Message> query(Name name, int type, Duration timeout) {
    CompletableFuture<Message> answer = new CompletableFuture<>();
    if (closed) {
      answer.completeExceptionally(new IOException("resolver client closed"));
      return answer;
    }
    Message q = Message.newQuery(Record.newRecord(name, type, DClass.IN));
    q.addRecord(new OPTRecord(EDNS_SIZE, 0, 0), Section.ADDITIONAL);
    int id = random.nextInt(0x10000);
    q.getHeader().setID(id);
    DatagramChannel channel = null;
    try {
      channel = DatagramChannel.open();
      channel.configureBlocking(false);
      channel.bind(null); // a port the kernel picks at random, for this query alone
      channel.connect(server);
      Query p =
          new Query(channel, q, id, name, type, System.nanoTime() + timeout.toNanos(), answer);
      inFlight.add(p);
      if (channel.write(ByteBuffer.wrap(q.toWire())) == 0) {
        throw new IOException("socket buffer full");
      }
      // level-triggered: an answer that came before the registration is seen after it
      channel.register(selector, SelectionKey.OP_READ, p);
      if (asleep.get()) selector.wakeup(); // to watch this socket too
      if (closed) finish(p, new IOException("resolver client closed"));
    } catch (IOException e) {
      closeQuietly(channel);
      inFlight.removeIf(p -> p.answer() == answer);
      answer.completeExceptionally(e);
    }
    return answer;
  }

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(65_535);
    long lastSweep = System.nanoTime();
    while (!closed) {
      try {
        asleep.set(true);
        selector.select(20);
        asleep.set(false);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          Query p = (Query) key.attachment();
          while (!p.answer().isDone()) {
            buf.clear();
            int n;
            try {
              n = p.channel().read(buf);
            } catch (ClosedChannelException e) {
              break;
            } catch (IOException e) {
              break; // ICMP unreachable and the like: the query times out
            }
            if (n <= 0) break;
            buf.flip();
            receive(p, buf);
          }
        }
        long now = System.nanoTime();
        if (now - lastSweep > SWEEP_NANOS) {
          lastSweep = now;
          sweep(now);
        }
      } catch (IOException | RuntimeException e) {
        if (closed) break;
        log.warn("DNS client: {}", e.toString());
      }
    }
    for (Query p : inFlight) finish(p, new IOException("resolver client closed"));
  }

  /** A datagram on {@code p}'s socket: its answer, or something to ignore. */
  private void receive(Query p, ByteBuffer datagram) {
    Message m = match(datagram, p.id(), p.name(), p.type());
    if (m == null) {
      long n = ignored.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.warn(
            "DNS: a datagram from {} did not answer the query it came for (ID, question): ignored"
                + " ({} so far); a resolver off this host can be spoofed (docs/reliability.md)",
            server,
            n);
      }
      return;
    }
    if (m.getHeader().getFlag(Flags.TC)) {
      closeQuietly(p.channel());
      inFlight.remove(p);
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
    finish(p, m);
  }

  /**
   * The answer in {@code datagram} to the query {@code id} for {@code name} and {@code type}, or
   * {@code null} when it is not one: not DNS, not a response (QR), another opcode, another ID, or a
   * question section other than exactly that name (any letter case), type and class IN.
   */
  static Message match(ByteBuffer datagram, int id, Name name, int type) {
    // the header first: most forgeries fail on the ID before anything is parsed
    if (datagram.remaining() < 12) return null;
    int at = datagram.position();
    if ((datagram.getShort(at) & 0xffff) != id) return null;
    Message m;
    try {
      m = new Message(datagram);
    } catch (WireParseException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      return null; // dnsjava reports some malformed records otherwise
    }
    if (!m.getHeader().getFlag(Flags.QR) || m.getHeader().getOpcode() != Opcode.QUERY) {
      return null;
    }
    if (m.getHeader().getCount(Section.QUESTION) != 1) return null;
    Record question = m.getQuestion();
    if (question == null
        || question.getType() != type
        || question.getDClass() != DClass.IN
        || !question.getName().equals(name)) {
      return null;
    }
    return m;
  }

  private void sweep(long now) {
    for (Query p : inFlight) {
      if (p.deadline() - now < 0) finish(p, new SocketTimeoutException("timed out"));
    }
  }

  private void finish(Query p, Object outcome) {
    if (!inFlight.remove(p)) return;
    closeQuietly(p.channel());
    if (outcome instanceof Message m) p.answer().complete(m);
    else p.answer().completeExceptionally((Throwable) outcome);
  }

  private static void closeQuietly(DatagramChannel c) {
    if (c == null) return;
    try {
      c.close(); // cancels its key; the selector forgets it at the next select
    } catch (IOException e) {
      // nothing held
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      thread.join(1000);
      for (Query p : inFlight) finish(p, new IOException("resolver client closed"));
      selector.close();
    } catch (IOException | InterruptedException e) {
      // closing anyway
    }
  }
}
