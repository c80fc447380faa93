package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: feeds bytes to the protocol decoder, has each request decided, writes the
 * replies through the pipeline in request order. A protocol violation closes this connection only.
 *
 * <p>A decision that completes at once (the embedded store reads inline and queues its writes) is
 * answered on the spot, with no thread hand-off; replies of one read are flushed together. A
 * decision that completes later is answered when it completes, back on this connection's event
 * loop, or with the decider's timeout answer once {@code replyTimeout} has passed, whichever comes
 * first; the other is dropped. One request is decided at a time per connection (Postfix waits for
 * each answer; a client that pipelines is answered in order); after a deadline answer the next
 * request goes on while the late decision finishes in the store, at most {@link #MAX_ABANDONED} of
 * them per connection.
 *
 * <p>Threads: every field belongs to the event loop; completions are handed to it.
 *
 * <p>Failures: any {@link Throwable} on this connection's path, from decoding to the decision, is
 * logged and closes this connection, and only this one.
 */
final class PolicyChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PolicyChannelHandler.class);

  /** Requests a client may queue behind the one being decided (Postfix queues none). */
  private static final int MAX_WAITING = 64;

  /**
   * Decisions of this connection answered at their deadline but still under way in the store. Past
   * this many, further requests get the timeout answer at once instead of another store call, so a
   * store that never answers cannot pile up work without bound.
   */
  static final int MAX_ABANDONED = 8;

  private final PolicyDecoder decoder;
  private final Decider decider;
  private final boolean closeAfterReply;
  private final long timeoutNanos;
  private final Metrics metrics;
  private final ServerStats stats;
  private final ArrayDeque<PolicyRequest> waiting = new ArrayDeque<>();
  private final byte[] chunk = new byte[4096];
  private final PolicyReply.Encoder encoder = new PolicyReply.Encoder();
  private final java.util.function.Consumer<PolicyRequest> onRequest = this::received;
  private ChannelHandlerContext ctx;

  /** The decision under way, not yet answered; null when none. */
  private Pending current;

  private int abandoned;
  private boolean wrote;
  private boolean closing;
  private boolean inputShutdown;

  /** A decision that did not complete at once. */
  private static final class Pending {
    final PolicyRequest request;
    final CompletableFuture<Outcome> decision;
    ScheduledFuture<?> deadline;
    boolean abandoned;

    Pending(PolicyRequest request, CompletableFuture<Outcome> decision) {
      this.request = request;
      this.decision = decision;
    }
  }

  PolicyChannelHandler(
      PolicyDecoder decoder,
      Decider decider,
      boolean closeAfterReply,
      Duration replyTimeout,
      Metrics metrics,
      ServerStats stats) {
    this.decoder = decoder;
    this.decider = decider;
    this.closeAfterReply = closeAfterReply;
    this.timeoutNanos = replyTimeout.toNanos();
    this.metrics = metrics;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      while (buf.isReadable() && !closing) {
        int n = Math.min(buf.readableBytes(), chunk.length);
        buf.readBytes(chunk, 0, n);
        decoder.feed(chunk, 0, n, onRequest);
      }
    } catch (ProtocolException e) {
      closeAfterWrites();
      metrics.protocolError();
      log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
    } catch (Throwable e) {
      failed(e);
    } finally {
      buf.release();
    }
  }

  private void received(PolicyRequest request) {
    if (closing) {
      return;
    }
    stats.requests.increment();
    if (current != null || !waiting.isEmpty()) {
      if (waiting.size() >= MAX_WAITING) {
        metrics.protocolError();
        log.warn(
            "closing connection from {}: more than {} requests sent without waiting for answers",
            ctx.channel().remoteAddress(),
            MAX_WAITING);
        closeAfterWrites();
        return;
      }
      waiting.add(request); // answered in order once the one under way is
      return;
    }
    decide(request);
  }

  /** Decides one request; answers it now if the decision is ready, else when it is. */
  private void decide(PolicyRequest request) {
    if (abandoned >= MAX_ABANDONED) {
      metrics.replyTimeout();
      reply(decider.timedOut(request)); // the store has not answered the last ones either
      return;
    }
    CompletableFuture<Outcome> decision = decider.decide(request).toCompletableFuture();
    if (decision.isDone()) {
      reply(outcomeOf(decision));
      return;
    }
    Pending p = new Pending(request, decision);
    current = p;
    stats.started();
    if (timeoutNanos > 0) {
      p.deadline = ctx.executor().schedule(() -> late(p), timeoutNanos, TimeUnit.NANOSECONDS);
    }
    decision.whenComplete(
        (o, e) -> {
          if (ctx.executor().inEventLoop()) {
            completed(p);
          } else {
            ctx.executor().execute(() -> completed(p));
          }
        });
  }

  /** On the loop: the decision is ready; answer it unless its deadline answered already. */
  private void completed(Pending p) {
    if (current != p) {
      if (p.abandoned) abandoned--; // answered by the deadline; the store is done with it now
      return; // (or the connection is gone)
    }
    answered(p);
    try {
      reply(outcomeOf(p.decision));
      next();
    } catch (Throwable e) {
      failed(e);
    }
    flushIfWritten();
  }

  /** On the loop: the deadline passed first; the decider says what to answer. */
  private void late(Pending p) {
    if (current != p) {
      return;
    }
    answered(p);
    p.abandoned = true;
    abandoned++;
    metrics.replyTimeout();
    try {
      Outcome outcome = decider.timedOut(p.request);
      if (stats.warnAboutTimeout(System.nanoTime())) {
        log.warn(
            "no decision within {} ms for a request from {}: answered {} (the next such warning in"
                + " a minute at the earliest; every one is counted)",
            TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
            ctx.channel().remoteAddress(),
            PolicyReply.action(outcome));
      }
      reply(outcome);
      next();
    } catch (Throwable e) {
      failed(e);
    }
    flushIfWritten();
  }

  private void answered(Pending p) {
    current = null;
    stats.finished();
    if (p.deadline != null) {
      p.deadline.cancel(false);
    }
  }

  private static Outcome outcomeOf(CompletableFuture<Outcome> done) {
    try {
      return done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof Error error) throw error;
      if (cause instanceof RuntimeException r) throw r;
      throw e;
    }
  }

  private void reply(Outcome outcome) {
    int n = encoder.encode(outcome);
    // straight into a pooled direct buffer: the socket writes it without another copy
    ByteBuf out = ctx.alloc().ioBuffer(n);
    out.writeBytes(encoder.bytes(), 0, n);
    ctx.write(out, ctx.voidPromise());
    wrote = true;
    if (closeAfterReply) {
      closeAfterWrites();
    }
  }

  /** After an answer: the next queued request, or close once the client has said its last. */
  private void next() {
    while (!closing && current == null) {
      PolicyRequest request = waiting.poll();
      if (request == null) {
        if (inputShutdown) closeAfterWrites();
        return;
      }
      decide(request);
    }
  }

  private void flushIfWritten() {
    if (wrote) {
      wrote = false;
      ctx.flush();
    }
  }

  /** Closes first, then logs: logging may be what is broken (a class that no longer loads). */
  private void failed(Throwable e) {
    closing = true;
    waiting.clear();
    ctx.close();
    try {
      log.error(
          "unexpected error on the connection from {}; closing it",
          ctx.channel().remoteAddress(),
          e);
    } catch (Throwable logging) {
      e.addSuppressed(logging); // nothing more can be done for this connection
    }
  }

  private void closeAfterWrites() {
    closing = true;
    waiting.clear();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Back-pressure: a client that sends without reading its answers fills the socket, then the
   * outbound buffer; past that buffer's high-water mark nothing more is read from it until it
   * reads, so its answers never pile up in memory.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    flushIfWritten();
    if (inputShutdown && !closing && waiting.isEmpty() && current == null) {
      closeAfterWrites();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client sent its last request and shut down its side: answer what is being decided,
      // then close. Nothing more can arrive.
      inputShutdown = true;
      if (!closing && waiting.isEmpty() && current == null) {
        closeAfterWrites();
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      if (current == null) {
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
    Pending p = current;
    if (p != null) {
      answered(p); // nobody to answer any more
    }
    waiting.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    } else {
      failed(cause);
    }
  }
}
