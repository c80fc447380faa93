package org.greygate.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * The socket layer under the event loops: Linux epoll when its native library loads (one system
 * call per wake-up for all ready sockets, no selected-key set to walk, edge-triggered reads), the
 * JDK selector otherwise. Both serve the same channels and handlers; only the classes and the unix
 * socket address type differ. {@code -Dio.netty.transport.noNative=true} forces the JDK selector
 * (and, being Netty's own switch, keeps a Redis client sharing the loops on the same one).
 */
enum Transport {
  EPOLL {
    @Override
    IoHandlerFactory ioHandlers() {
      return EpollIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> tcp() {
      return EpollServerSocketChannel.class;
    }

    @Override
    Class<? extends ServerChannel> unix() {
      return EpollServerDomainSocketChannel.class;
    }

    @Override
    SocketAddress unixAddress(Path path) {
      return new DomainSocketAddress(path.toString());
    }
  },
  NIO {
    @Override
    IoHandlerFactory ioHandlers() {
      return NioIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> tcp() {
      return NioServerSocketChannel.class;
    }

    @Override
    Class<? extends ServerChannel> unix() {
      return NioServerDomainSocketChannel.class;
    }

    @Override
    SocketAddress unixAddress(Path path) {
      return UnixDomainSocketAddress.of(path);
    }
  };

  abstract IoHandlerFactory ioHandlers();

  abstract Class<? extends ServerChannel> tcp();

  abstract Class<? extends ServerChannel> unix();

  abstract SocketAddress unixAddress(Path path);

  /** Epoll where it works here, else NIO. */
  static Transport best() {
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /** Why epoll is not used, or null when it is. */
  static String whyNotEpoll() {
    Throwable cause = Epoll.unavailabilityCause();
    return cause == null ? null : cause.toString();
  }
}
