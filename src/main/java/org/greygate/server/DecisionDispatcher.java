package org.greygate.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.Decider;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The middle stage of a connection's pipeline: each decoded request is handed to the {@link
 * Decider}, and whatever its stage completes with is written, in request order, as an {@link
 * Outcome} (the {@link ReplyEncoder} makes it bytes). The decider owns the deadline: this stage
 * never answers on its own, it waits for the stage, which completes at the latest at the decider's
 * deadline.
 *
 * <p>A decision that completes at once (the embedded store reads inline and queues its writes) is
 * answered on the spot, with no thread hand-off; replies of one read are flushed together. A
 * decision that completes later is answered when it completes, back on this connection's event
 * loop. One request is decided at a time per connection (Postfix waits for each answer; a client
 * that pipelines is answered in order, at most {@link #MAX_WAITING} queued). Back-pressure: a
 * client that does not read its answers is not read either.
 *
 * <p>Threads: every field belongs to the event loop; completions are handed to it.
 *
 * <p>Failures: any {@link Throwable} on this connection's path, from decoding to the decision, is
 * logged and closes this connection, and only this one.
 */
final class DecisionDispatcher extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(DecisionDispatcher.class);

  /** Requests a client may queue behind the one being decided (Postfix queues none). */
  static final int MAX_WAITING = 64;

  private final Decider decider;
  private final boolean closeAfterReply;
  private final Metrics metrics;
  private final ServerStats stats;
  private final ArrayDeque<PolicyRequest> waiting = new ArrayDeque<>();
  private ChannelHandlerContext ctx;

  /** The decision under way, not yet answered; null when none. */
  private CompletableFuture<Outcome> current;

  private boolean wrote;
  private boolean closing;
  private boolean inputShutdown;

  DecisionDispatcher(Decider decider, boolean closeAfterReply, Metrics metrics, ServerStats stats) {
    this.decider = decider;
    this.closeAfterReply = closeAfterReply;
    this.metrics = metrics;
    this.stats = stats;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof PolicyRequest request)) {
      // bytes that reach here once the decoder is gone: the connection is closing
      ReferenceCountUtil.release(msg);
      return;
    }
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
    try {
      decide(request);
    } catch (Throwable e) {
      failed(e);
    }
  }

  /** Decides one request; answers it now if the decision is ready, else when it is. */
  private void decide(PolicyRequest request) {
    CompletableFuture<Outcome> decision = decider.decide(request).toCompletableFuture();
    if (decision.isDone()) {
      reply(outcomeOf(decision));
      return;
    }
    current = decision;
    stats.started();
    decision.whenComplete(
        (o, e) -> {
          if (ctx.executor().inEventLoop()) {
            completed(decision);
          } else {
            ctx.executor().execute(() -> completed(decision));
          }
        });
  }

  /** On the loop: the decision under way is ready; answer it (unless the connection is gone). */
  private void completed(CompletableFuture<Outcome> decision) {
    if (current != decision) {
      return; // the connection went away meanwhile
    }
    current = null;
    stats.finished();
    try {
      reply(outcomeOf(decision));
      next();
    } catch (Throwable e) {
      failed(e);
    }
    flushIfWritten();
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
    ctx.write(outcome, ctx.voidPromise());
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
    stopReading();
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
    stopReading();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  /** Nothing more is decided on this connection, nor decoded for it. */
  private void stopReading() {
    closing = true;
    waiting.clear();
    ChannelHandler decoder = ctx.pipeline().get(RequestDecoder.class);
    if (decoder != null) ctx.pipeline().remove(decoder);
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
    if (evt == RequestDecoder.PROTOCOL_VIOLATION) {
      if (!closing) closeAfterWrites();
      return;
    }
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
    if (current != null) {
      current = null; // nobody to answer any more
      stats.finished();
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
