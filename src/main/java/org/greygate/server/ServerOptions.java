package org.greygate.server;

import java.time.Duration;
import java.util.List;
import org.greygate.protocol.ProtocolLimits;

/**
 * @param listen where to accept connections
 * @param limits per-request bounds
 * @param maxConnections connections served at once; more are closed at once
 * @param idleTimeout close a connection silent for this long (keep above Postfix's 300 s)
 * @param backlog the listen queue
 * @param closeAfterReply close after every reply (Postgrey's {@code --exim})
 * @param ioThreads event loop threads; 0 means one per core
 */
public record ServerOptions(
    List<ListenAddress> listen,
    ProtocolLimits limits,
    int maxConnections,
    Duration idleTimeout,
    int backlog,
    boolean closeAfterReply,
    int ioThreads) {
  public ServerOptions {
    listen = List.copyOf(listen);
    if (listen.isEmpty()) throw new IllegalArgumentException("nothing to listen on: give --inet or --unix");
    if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be >= 1");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("--idle-timeout must be > 0");
    }
    if (backlog < 1) throw new IllegalArgumentException("--listen-queue-size must be >= 1");
    if (ioThreads < 0) throw new IllegalArgumentException("--io-threads must be >= 0");
  }
}
