package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.util.function.Function;
import org.greygate.protocol.PolicyDecoder;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection: feeds bytes to the protocol decoder, asks for each request's answer, writes
 * the replies in order. A protocol violation closes this connection only.
 */
final class PolicyChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PolicyChannelHandler.class);

  private final PolicyDecoder decoder;
  private final Function<PolicyRequest, String> policy;
  private final boolean closeAfterReply;
  private byte[] chunk = new byte[4096];
  private boolean wrote;
  private boolean closing;

  PolicyChannelHandler(
      PolicyDecoder decoder, Function<PolicyRequest, String> policy, boolean closeAfterReply) {
    this.decoder = decoder;
    this.policy = policy;
    this.closeAfterReply = closeAfterReply;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      if (closing) {
        return;
      }
      while (buf.isReadable()) {
        int n = Math.min(buf.readableBytes(), chunk.length);
        buf.readBytes(chunk, 0, n);
        decoder.feed(chunk, 0, n, request -> reply(ctx, request));
        if (closing) {
          return;
        }
      }
    } catch (ProtocolException e) {
      log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
      closing = true;
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } finally {
      buf.release();
    }
  }

  private void reply(ChannelHandlerContext ctx, PolicyRequest request) {
    if (closing) {
      return;
    }
    String action = policy.apply(request);
    ctx.write(io.netty.buffer.Unpooled.wrappedBuffer(PolicyReply.encode(action)));
    wrote = true;
    if (closeAfterReply) {
      closing = true;
      ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (wrote) {
      wrote = false;
      ctx.flush();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      log.debug("closing idle connection from {}", ctx.channel().remoteAddress());
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!decoder.isBetweenRequests() && !closing) {
      log.debug("connection from {} closed in the middle of a request", ctx.channel().remoteAddress());
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
    } else {
      log.error("unexpected error on connection from {}; closing it", ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }
}
