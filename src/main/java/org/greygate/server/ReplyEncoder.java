package org.greygate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;

/**
 * The outbound stage of a connection's pipeline: each {@link Outcome} written becomes its reply
 * bytes, {@code action=...\n\n}, through {@link PolicyReply.Encoder} (the one place an outcome
 * becomes bytes), straight into a pooled direct buffer the socket writes without another copy.
 * Anything else written passes through.
 *
 * <p>One per connection (the encoder keeps its buffer); every field belongs to its event loop.
 */
final class ReplyEncoder extends ChannelOutboundHandlerAdapter {
  private final PolicyReply.Encoder encoder = new PolicyReply.Encoder();

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof Outcome outcome)) {
      ctx.write(msg, promise);
      return;
    }
    int n = encoder.encode(outcome);
    ByteBuf out = ctx.alloc().ioBuffer(n);
    out.writeBytes(encoder.bytes(), 0, n);
    ctx.write(out, promise);
  }
}
