package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * (Postfix waits for each answer; a client that pipelines is answered in order), and an answer that
 * is not ready by the deadline is replaced by the timeout action. Without one, decisions run inline
 * on the event loop. All state is touched on the channel's event loop only.
 */
final class PolicyChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PolicyChannelHandler.class);

  /** Requests a client may queue behind the one being decided (Postfix queues none). */
  private static final int MAX_WAITING = 64;

  private final PolicyDecoder decoder;
  private final Function<PolicyRequest, String> policy;
  private final boolean closeAfterReply;
  private final Executor decisions;
  private final long timeoutNanos;
  private final String timeoutAction;
  private final ServerStats stats;
  private final ArrayDeque<PolicyRequest> waiting = new ArrayDeque<>();
  private final byte[] chunk = new byte[4096];
  private Pending pending;
  private boolean wrote;
  private boolean closing;
  private boolean inputShutdown;

  /** The request being decided and its deadline. */
  private static final class Pending {
    ScheduledFuture<?> deadline;
    boolean done;
  }

  PolicyChannelHandler(
      PolicyDecoder decoder,
      Function<PolicyRequest, String> policy,
      boolean closeAfterReply,
      Executor decisions,
      Duration replyTimeout,
      String timeoutAction,
      ServerStats stats) {
    this.decoder = decoder;
    this.policy = policy;
    this.closeAfterReply = closeAfterReply;
    this.decisions = decisions;
    this.timeoutNanos = replyTimeout.toNanos();
    this.timeoutAction = timeoutAction;
    this.stats = stats;
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
      reply(ctx, policy.apply(request));
      return;
    }
    if (pending != null) {
      if (waiting.size() >= MAX_WAITING) {
        stats.protocolErrors.increment();
        log.warn(
            "closing connection from {}: more than {} requests sent without waiting for answers",
            ctx.channel().remoteAddress(),
            MAX_WAITING);
        closeAfterWrites(ctx);
        return;
      }
      waiting.add(request);
      return;
    }
    dispatch(ctx, request);
  }

  private void dispatch(ChannelHandlerContext ctx, PolicyRequest request) {
    Pending p = new Pending();
    pending = p;
    stats.started();
    p.deadline =
        ctx.executor()
            .schedule(
                () -> {
                  stats.timeouts.increment();
                  log.warn(
                      "no decision within {} ms for a request from {}: answering {}",
                      TimeUnit.NANOSECONDS.toMillis(timeoutNanos),
                      ctx.channel().remoteAddress(),
                      timeoutAction);
                  complete(ctx, p, timeoutAction);
                },
                timeoutNanos,
                TimeUnit.NANOSECONDS);
    try {
      CompletableFuture.supplyAsync(() -> policy.apply(request), decisions)
          .whenComplete(
              (action, error) ->
                  ctx.executor()
                      .execute(
                          () -> {
                            if (error != null) {
                              log.error("decision failed; answering {}", timeoutAction, error);
                            }
                            complete(ctx, p, error != null ? timeoutAction : action);
                          }));
    } catch (RejectedExecutionException e) {
      stats.timeouts.increment();
      complete(
          ctx, p, timeoutAction); // every decision thread busy and the queue full: fail open now
    }
  }

  /** On the event loop: the first of (decision, deadline) answers; the other is ignored. */
  private void complete(ChannelHandlerContext ctx, Pending p, String action) {
    if (p.done) {
      return;
    }
    p.done = true;
    p.deadline.cancel(false);
    pending = null;
    stats.finished();
    if (closing || !ctx.channel().isActive()) {
      return;
    }
    reply(ctx, action);
    ctx.flush();
    wrote = false;
    PolicyRequest next = waiting.poll();
    if (next != null && !closing) {
      dispatch(ctx, next);
    } else if (inputShutdown && !closing) {
      closeAfterWrites(ctx);
    }
  }

  private void reply(ChannelHandlerContext ctx, String action) {
    ctx.write(Unpooled.wrappedBuffer(PolicyReply.encode(action)));
    wrote = true;
    if (closeAfterReply) {
      closeAfterWrites(ctx);
    }
  }

  private void closeAfterWrites(ChannelHandlerContext ctx) {
    closing = true;
    waiting.clear();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (wrote) {
      wrote = false;
      ctx.flush();
    }
    if (inputShutdown && pending == null && !closing) {
      closeAfterWrites(ctx);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The client sent its last request and shut down its side: answer what is being decided,
      // then close. Nothing more can arrive.
      inputShutdown = true;
      if (pending == null && waiting.isEmpty()) {
        closeAfterWrites(ctx);
      }
      return;
    }
    if (evt instanceof IdleStateEvent) {
      if (pending == null) {
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
    if (pending != null) {
      pending.deadline.cancel(false);
      pending.done = true;
      pending = null;
      stats.finished();
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
