package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.Consumer;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a connection's pipeline: bytes in, {@link PolicyRequest}s out, through the
 * Netty-free {@link PolicyDecoder} (framing and limits live there). A protocol violation is counted
 * and logged, and {@link #PROTOCOL_VIOLATION} is passed on for the dispatch stage to close the
 * connection once its answers are written; nothing more is decoded. Once the dispatch stage closes
 * the connection it removes this stage, which then stops at once.
 *
 * <p>One per connection; every field belongs to its event loop.
 */
final class RequestDecoder extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RequestDecoder.class);

  /** The user event this stage fires when the client broke the protocol. */
  static final Object PROTOCOL_VIOLATION = new Object();

  private final PolicyDecoder decoder;
  private final Metrics metrics;
  private final byte[] chunk = new byte[4096];
  private final Consumer<PolicyRequest> onRequest = this::decoded;
  private ChannelHandlerContext ctx;
  private boolean violated;

  RequestDecoder(PolicyDecoder decoder, Metrics metrics) {
    this.decoder = decoder;
    this.metrics = metrics;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      while (buf.isReadable() && !violated && !ctx.isRemoved()) {
        int n = Math.min(buf.readableBytes(), chunk.length);
        buf.readBytes(chunk, 0, n);
        decoder.feed(chunk, 0, n, onRequest);
      }
    } catch (ProtocolException e) {
      violated = true;
      ctx.fireUserEventTriggered(PROTOCOL_VIOLATION); // closes before anything is logged
      metrics.protocolError();
      log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
    } finally {
      buf.release();
    }
  }

  private void decoded(PolicyRequest request) {
    if (!ctx.isRemoved()) ctx.fireChannelRead(request);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!decoder.isBetweenRequests() && !violated) {
      log.debug(
          "connection from {} closed in the middle of a request", ctx.channel().remoteAddress());
    }
    ctx.fireChannelInactive();
  }
}
