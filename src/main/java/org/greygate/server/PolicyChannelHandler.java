package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: feeds bytes to the protocol decoder, has each request decided, writes the
 * replies in request order. A protocol violation closes this connection only.
 *
 * <p>With a reply timeout, decisions run on the decision executor, one at a time per connection
 * (Postfix waits for each answer; a client that pipelines is answered in order). Whoever answers a
 * request first, the decision thread or the deadline watchdog ({@link ReplyDeadlines}), writes the
 * reply straight to the socket ({@link DirectSocket}); the event loop only reads, so a request
 * costs one thread hand-off, not two. Without a timeout, decisions run inline on the event loop.
 *
 * <p>Threads: the decoder, {@code waiting} and {@code pending} belong to the event loop; a {@link
 * Decision}'s answered/loopWaits flags are guarded by the decision itself.
 */
final class PolicyChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PolicyChannelHandler.class);

  /** Requests a client may queue behind the one being decided (Postfix queues none). */
  private static final int MAX_WAITING = 64;

  private static final AtomicReferenceFieldUpdater<PolicyChannelHandler, Decision> CURRENT =
      AtomicReferenceFieldUpdater.newUpdater(PolicyChannelHandler.class, Decision.class, "current");

  private final PolicyDecoder decoder;
  private final Function<PolicyRequest, String> policy;
  private final boolean closeAfterReply;
  private final Executor decisions;
  private final ReplyDeadlines deadlines;
  private final long timeoutNanos;
  private final String timeoutAction;
  private final ServerStats stats;
  private final ArrayDeque<PolicyRequest> waiting = new ArrayDeque<>();
  private final byte[] chunk = new byte[4096];
  private ChannelHandlerContext ctx;
  private SocketChannel socket;

  /**
   * Set by the first reply that the socket would not take at once: the loop writes from then on.
   */
  private volatile boolean throughLoop;

  private Decision pending;

  /** The decision under way, for the deadline watchdog; null once answered. */
  private volatile Decision current;

  private boolean wrote;
  private boolean closing;
  private boolean inputShutdown;

  /** One request handed to a decision thread. */
  private final class Decision implements Runnable {
    final PolicyRequest request;
    final long deadline;
    boolean answered; // guarded by this
    boolean loopWaits; // guarded by this: the loop has more to do once this is answered

    Decision(PolicyRequest request, long deadline, boolean loopWaits) {
      this.request = request;
      this.deadline = deadline;
      this.loopWaits = loopWaits;
    }

    @Override
    public void run() {
      String action;
      try {
        action = policy.apply(request);
      } catch (RuntimeException | Error e) {
        log.error("decision failed; answering {}", timeoutAction, e);
        action = timeoutAction;
      }
      answer(this, action);
    }

    /** On the loop: whether the decision is still under way; if so the loop will be called back. */
    synchronized boolean underWayCallBack() {
      if (answered) {
        return false;
      }
      loopWaits = true;
      return true;
    }
  }

  PolicyChannelHandler(
      PolicyDecoder decoder,
      Function<PolicyRequest, String> policy,
      boolean closeAfterReply,
      Executor decisions,
      ReplyDeadlines deadlines,
      Duration replyTimeout,
      String timeoutAction,
      ServerStats stats) {
    this.decoder = decoder;
    this.policy = policy;
    this.closeAfterReply = closeAfterReply;
    this.decisions = decisions;
    this.deadlines = deadlines;
    this.timeoutNanos = replyTimeout.toNanos();
    this.timeoutAction = timeoutAction;
    this.stats = stats;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (timeoutNanos > 0) {
      socket = DirectSocket.of(ctx.channel());
      deadlines.add(this);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      while (buf.isReadable() && !closing) {
        int n = Math.min(buf.readableBytes(), chunk.length);
        buf.readBytes(chunk, 0, n);
        decoder.feed(chunk, 0, n, request -> received(ctx, request));
      }
    } catch (ProtocolException e) {
      stats.protocolErrors.increment();
      log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
      closeAfterWrites(ctx);
    } finally {
      buf.release();
    }
  }

  private void received(ChannelHandlerContext ctx, PolicyRequest request) {
    if (closing) {
      return;
    }
    stats.requests.increment();
    if (timeoutNanos == 0) {
      ctx.write(Unpooled.wrappedBuffer(PolicyReply.encode(policy.apply(request))));
      wrote = true;
      if (closeAfterReply) {
        closeAfterWrites(ctx);
      }
      return;
    }
    if (!waiting.isEmpty() || deciding()) {
      if (waiting.size() >= MAX_WAITING) {
        stats.protocolErrors.increment();
        log.warn(
            "closing connection from {}: more than {} requests sent without waiting for answers",
            ctx.channel().remoteAddress(),
            MAX_WAITING);
        closeAfterWrites(ctx);
        return;
      }
      waiting.add(request); // answered in order once the one under way is
      return;
    }
    dispatch(request);
  }

  /**
   * On the loop: whether a decision is still under way (the loop is then called back when it is
   * answered). Forgets an answered one.
   */
  private boolean deciding() {
    if (pending != null && pending.underWayCallBack()) {
      return true;
    }
    pending = null;
    return false;
  }

  private void dispatch(PolicyRequest request) {
    Decision d =
        new Decision(
            request,
            System.nanoTime() + timeoutNanos,
            closeAfterReply || inputShutdown || !waiting.isEmpty());
    pending = d;
    current = d;
    stats.started();
    try {
      decisions.execute(d);
    } catch (RejectedExecutionException e) {
      // every decision thread busy and the queue full: fail open now
      stats.timeouts.increment();
      answer(d, timeoutAction);
    }
  }

  /** Called by the watchdog: answers the decision under way if its deadline has passed. */
  void answerIfLate(long now) {
    Decision d = current;
    if (d != null && now - d.deadline >= 0 && answer(d, timeoutAction)) {
      stats.timeouts.increment();
      if (stats.warnAboutTimeout(now)) {
        log.warn(
            "no decision within {} ms for a request from {}: answered {} ({} so far; the next"
                + " such warning in a minute at the earliest)",
            TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
            ctx.channel().remoteAddress(),
            timeoutAction,
            stats.timeouts());
      }
    }
  }

  /**
   * Any thread: the first answer to a decision is written, later ones are dropped. Returns whether
   * this one was the first.
   */
  private boolean answer(Decision d, String action) {
    boolean callLoop;
    synchronized (d) {
      if (d.answered) {
        return false;
      }
      d.answered = true;
      // inside the lock: the loop treats the connection as free only once the reply is out
      send(PolicyReply.encode(action));
      callLoop = d.loopWaits;
    }
    CURRENT.compareAndSet(this, d, null);
    stats.finished();
    if (callLoop) {
      ctx.executor().execute(() -> answered(d));
    }
    return true;
  }

  private void send(byte[] reply) {
    if (socket != null && !throughLoop) {
      ByteBuffer b = ByteBuffer.wrap(reply);
      try {
        socket.write(b);
      } catch (IOException e) {
        // closed or reset by the peer: the event loop sees it too and cleans up
        log.debug("connection from {}: {}", ctx.channel().remoteAddress(), e.toString());
        return;
      }
      if (!b.hasRemaining()) {
        return;
      }
      // The socket buffer is full (a client that sends without reading): the event loop writes
      // the rest and every later reply of this connection, in order.
      throughLoop = true;
      ctx.writeAndFlush(Unpooled.wrappedBuffer(b));
      return;
    }
    ctx.writeAndFlush(Unpooled.wrappedBuffer(reply));
  }

  /** On the loop, after an answer that the loop was waiting for: next request, or close. */
  private void answered(Decision d) {
    if (pending != d) {
      return;
    }
    pending = null;
    if (closing) {
      return;
    }
    if (closeAfterReply) {
      closeAfterWrites(ctx);
      return;
    }
    PolicyRequest next = waiting.poll();
    if (next != null) {
      dispatch(next);
    } else if (inputShutdown) {
      closeAfterWrites(ctx);
    }
  }

  private void closeAfterWrites(ChannelHandlerContext ctx) {
    closing = true;
    waiting.clear();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Back-pressure: a client that sends without reading its answers fills the socket, then the event
   * loop's outbound buffer; past that buffer's high-water mark nothing more is read from it until
   * it reads, so its answers never pile up in memory.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (wrote) {
      wrote = false;
      ctx.flush();
    }
    if (inputShutdown && !closing && waiting.isEmpty() && !deciding()) {
      closeAfterWrites(ctx);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client sent its last request and shut down its side: answer what is being decided,
      // then close. Nothing more can arrive.
      inputShutdown = true;
      if (!closing && waiting.isEmpty() && !deciding()) {
        closeAfterWrites(ctx);
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      Decision d = pending;
      if (d == null || !d.underWayCallBack()) {
        log.debug("closing idle connection from {}", ctx.channel().remoteAddress());
        ctx.close();
      }
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!decoder.isBetweenRequests() && !closing) {
      log.debug(
          "connection from {} closed in the middle of a request", ctx.channel().remoteAddress());
    }
    if (deadlines != null) {
      deadlines.remove(this);
    }
    Decision d = pending;
    if (d != null) {
      boolean abandoned;
      synchronized (d) {
        abandoned = !d.answered;
        d.answered = true; // nobody to answer any more
      }
      if (abandoned) {
        stats.finished();
      }
      pending = null;
      current = null;
    }
    waiting.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.error(
          "unexpected error on connection from {}; closing it",
          ctx.channel().remoteAddress(),
          cause);
    }
    ctx.close();
  }
}
