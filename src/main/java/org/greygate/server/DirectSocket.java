package org.greygate.server;

import io.netty.channel.Channel;
import io.netty.channel.nio.AbstractNioChannel;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK socket under a Netty NIO connection, so that a decision thread can write its reply itself
 * instead of handing it back to the event loop (which costs a thread wake-up per request).
 *
 * <p>Safe because of how a policy connection is used: the event loop only reads from the socket,
 * and each reply is written by exactly one thread (whoever answers the request first). JDK socket
 * channels allow a read and a write from different threads at the same time.
 */
final class DirectSocket {
  private static final Logger log = LoggerFactory.getLogger(DirectSocket.class);
  private static final MethodHandle JAVA_CHANNEL = find();

  private DirectSocket() {}

  private static MethodHandle find() {
    try {
      return MethodHandles.privateLookupIn(AbstractNioChannel.class, MethodHandles.lookup())
          .findVirtual(
              AbstractNioChannel.class,
              "javaChannel",
              MethodType.methodType(SelectableChannel.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("replies go through the event loops: {}", e.toString());
      return null;
    }
  }

  /** The socket of {@code channel}, or null when it is not a Netty NIO socket channel. */
  static SocketChannel of(Channel channel) {
    if (JAVA_CHANNEL == null || !(channel instanceof AbstractNioChannel nio)) {
      return null;
    }
    try {
      return (SelectableChannel) JAVA_CHANNEL.invoke(nio) instanceof SocketChannel s ? s : null;
    } catch (Throwable e) {
      return null;
    }
  }
}
