package org.greygate.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.greygate.inet.Cidr;
import org.greygate.inet.IpAddress;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Decider;
import org.greygate.protocol.PolicyDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening side: TCP and unix sockets, connection caps and filters, idle timeouts, orderly
 * shutdown. A connection's pipeline is three stages: {@link RequestDecoder} (bytes to requests),
 * {@link DecisionDispatcher} (each request to the decider, answers in request order) and {@link
 * ReplyEncoder} (answers to bytes). Each request is decided from its connection's event loop; a
 * decision that completes at once (the embedded store: microseconds of reads, writes queued to its
 * writer) is answered on the spot, a later one when the decider's stage completes, which it does at
 * the latest at the decider's own deadline.
 */
public final class PolicyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PolicyServer.class);

  private final ServerOptions options;
  private final Decider decider;
  private final Metrics metrics;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final List<Runnable> beforeLoopsStop = new CopyOnWriteArrayList<>();
  private final ChannelGroup listeners = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();
  private final ServerStats stats = new ServerStats();
  private final List<SocketAddress> bound = new ArrayList<>();
  private final List<Path> socketFiles = new ArrayList<>();
  private final Transport transport = Transport.best();
  private boolean closed;

  public PolicyServer(ServerOptions options, Decider decider, Metrics metrics) {
    this.options = options;
    this.decider = decider;
    this.metrics = metrics;
    this.boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlers());
    int threads =
        options.ioThreads() == 0 ? Runtime.getRuntime().availableProcessors() : options.ioThreads();
    this.workers = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlers());
    if (transport == Transport.EPOLL) {
      log.debug("sockets: epoll, {} event loops", threads);
    } else {
      log.debug("sockets: JDK selector, {} event loops ({})", threads, Transport.whyNotEpoll());
    }
  }

  /**
   * Binds every address.
   *
   * @return the addresses actually bound (ports resolved when 0 was asked)
   * @throws IOException naming the address that could not be bound
   */
  public synchronized List<SocketAddress> start() throws IOException {
    try {
      for (ListenAddress a : options.listen()) {
        if (a instanceof ListenAddress.Inet inet) {
          bindInet(inet);
        } else if (a instanceof ListenAddress.Unix unix) {
          bindUnix(unix);
        }
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    return List.copyOf(bound);
  }

  private void bindInet(ListenAddress.Inet a) throws IOException {
    if (a.host() == null) {
      // Loopback only. Bind ::1 too when the host has it, but never fail for its absence
      // (a bare "localhost" bind broke on hosts without ::1).
      bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), a.port()), false, a);
      int port = ((InetSocketAddress) bound.get(bound.size() - 1)).getPort();
      try {
        bind(new InetSocketAddress(InetAddress.getByName("::1"), port), false, a);
      } catch (IOException e) {
        log.debug("not listening on [::1]:{}: {}", port, e.toString());
      }
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(a.host());
    } catch (UnknownHostException e) {
      throw new IOException("cannot listen on " + a + ": unknown host " + a.host(), e);
    }
    bind(new InetSocketAddress(addresses[0], a.port()), false, a);
  }

  private void bindUnix(ListenAddress.Unix a) throws IOException {
    Path path = a.path().toAbsolutePath();
    if (Files.exists(path)) {
      if (inUse(path)) {
        throw new IOException(
            "cannot listen on unix:" + path + ": another process is listening on it");
      }
      Files.delete(path); // stale socket from an unclean stop
    }
    Path parent = path.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IOException(
          "cannot listen on unix:" + path + ": directory " + parent + " does not exist");
    }
    bind(transport.unixAddress(path), true, a);
    socketFiles.add(path);
    Files.setPosixFilePermissions(path, permissions(a.mode()));
  }

  private static boolean inUse(Path path) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(path));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        set.add(order[i]);
      }
    }
    return set;
  }

  private void bind(SocketAddress address, boolean unix, ListenAddress configured)
      throws IOException {
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(unix ? transport.unix() : transport.tcp())
            .option(ChannelOption.SO_BACKLOG, options.backlog())
            // A request and its answer are a few hundred bytes each, read and written once:
            // plain native buffers (malloc and free) cost less per request than the pooling
            // allocator's recycling queues and size classes (docs/performance.md: 4-11% less CPU
            // a request, 8 of 8 alternating runs).
            .childOption(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT)
            .childHandler(initializer());
    if (!unix) {
      // A TCP client that shuts down its side after its last request still gets the answer.
      // Netty's NIO unix sockets have no such option (setting it logs a warning per connection):
      // there a half-close closes the connection; Postfix never half-closes.
      b.option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
    try {
      Channel ch = b.bind(address).sync().channel();
      listeners.add(ch);
      // a unix socket is reported as the JDK's address whichever transport serves it
      bound.add(
          unix
              ? UnixDomainSocketAddress.of(
                  ((ListenAddress.Unix) configured).path().toAbsolutePath())
              : ch.localAddress());
      log.info("listening on {}", unix ? configured : ch.localAddress());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while binding " + configured, e);
    } catch (Exception e) {
      throw new IOException("cannot listen on " + configured + ": " + e.getMessage(), e);
    }
  }

  private ChannelInitializer<Channel> initializer() {
    ChannelHandler limiter = new ConnectionLimiter();
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel ch) {
        if (!options.allowFrom().isEmpty()
            && ch.remoteAddress() instanceof InetSocketAddress peer
            && !allowed(peer)) {
          long n = denied.incrementAndGet();
          metrics.connectionDenied();
          if (n == 1 || n % 1000 == 0) {
            log.warn(
                "connection from {} is outside the allowed networks: closed ({} so far)", peer, n);
          }
          ch.close();
          return;
        }
        ch.pipeline()
            .addLast("limit", limiter)
            .addLast(
                "idle",
                // Idle means nothing received: every write answers a read, and watching writes
                // too would cost a promise and a listener per answer.
                new IdleStateHandler(options.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
            .addLast("decode", new RequestDecoder(new PolicyDecoder(options.limits()), metrics))
            .addLast("encode", new ReplyEncoder())
            .addLast(
                "dispatch",
                new DecisionDispatcher(decider, options.closeAfterReply(), metrics, stats));
      }
    };
  }

  private boolean allowed(InetSocketAddress peer) {
    if (peer.getAddress() == null) {
      return false;
    }
    IpAddress ip = IpAddress.ofBytes(peer.getAddress().getAddress());
    for (Cidr c : options.allowFrom()) {
      if (c.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /** Counts connections; beyond the cap a new one is closed at once, so it is refused, not hung. */
  @ChannelHandler.Sharable
  private final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (open.incrementAndGet() > options.maxConnections()) {
        open.decrementAndGet();
        metrics.connectionRefused();
        long n = refused.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
          log.warn(
              "connection limit {} reached: refusing {} ({} refused so far)",
              options.maxConnections(),
              ctx.channel().remoteAddress(),
              n);
        }
        ctx.pipeline().remove(this);
        ctx.close();
        return;
      }
      connections.add(ctx.channel());
      metrics.connectionOpened();
      ctx.channel()
          .closeFuture()
          .addListener(
              f -> {
                open.decrementAndGet();
                metrics.connectionClosed();
              });
      ctx.fireChannelActive();
    }
  }

  /** Whether every listener is bound and open (for a health check). */
  public boolean listening() {
    synchronized (this) {
      if (closed || bound.isEmpty()) return false;
    }
    for (Channel c : listeners) {
      if (!c.isActive()) return false;
    }
    return true;
  }

  public int openConnections() {
    return open.get();
  }

  public ServerStats stats() {
    return stats;
  }

  /**
   * The threads that serve connections (for a store client that can run its own I/O on them, so
   * that a request, its store command and its answer stay on one thread).
   */
  public List<ScheduledExecutorService> workerLoops() {
    List<ScheduledExecutorService> loops = new ArrayList<>();
    workers.forEach(loops::add);
    return loops;
  }

  /**
   * Runs {@code r} at {@link #close}, once the connections are closed and before the event loops
   * stop (for whatever was given {@link #workerLoops}).
   */
  public void beforeLoopsStop(Runnable r) {
    beforeLoopsStop.add(r);
  }

  /**
   * Stops accepting, waits for the decisions under way to be answered (each by its deadline at the
   * latest), closes the connections, and stops the event loops.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    listeners.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    // A loop may be between handing a request to an asynchronous decider and counting it as under
    // way; one empty task through each loop lets every such hand-off finish counting first.
    for (EventExecutor loop : workers) {
      if (!loop.inEventLoop()) loop.submit(() -> {}).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    // Answer what is being decided: each decision answers by the decider's deadline at the latest
    // (the daemon gives its chain this same reply timeout).
    try {
      if (!stats.awaitIdle(options.replyTimeout().toMillis() + 500)) {
        log.warn("closing with {} decisions still under way", stats.inFlight());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    for (Runnable r : beforeLoopsStop) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.warn("stopping", e);
      }
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    for (Path p : socketFiles) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        log.warn("cannot remove socket file {}", p, e);
      }
    }
  }
}
