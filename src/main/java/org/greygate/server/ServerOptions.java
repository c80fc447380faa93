package org.greygate.server;

import java.time.Duration;
import java.util.List;
import org.greygate.inet.Cidr;
import org.greygate.protocol.ProtocolLimits;

/**
 * @param listen where to accept connections
 * @param limits per-request bounds
 * @param maxConnections connections served at once; more are closed at once
 * @param idleTimeout close a connection silent for this long (keep above Postfix's 300 s)
 * @param backlog the listen queue
 * @param closeAfterReply close after every reply (Postgrey's {@code --exim})
 * @param ioThreads event loop threads; 0 means one per core
 * @param replyTimeout answer {@code timeoutAction} when a decision takes longer; zero decides
 *     inline on the event loop, unbounded (fastest, for benchmarks of the engine alone)
 * @param timeoutAction the answer when the deadline passes (the fail-open action)
 * @param allowFrom TCP peers allowed to connect; empty allows all (unix sockets are not filtered)
 */
public record ServerOptions(
    List<ListenAddress> listen,
    ProtocolLimits limits,
    int maxConnections,
    Duration idleTimeout,
    int backlog,
    boolean closeAfterReply,
    int ioThreads,
    Duration replyTimeout,
    String timeoutAction,
    List<Cidr> allowFrom) {
  public ServerOptions {
    listen = List.copyOf(listen);
    if (listen.isEmpty())
      throw new IllegalArgumentException("nothing to listen on: give --inet or --unix");
    if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be >= 1");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("--idle-timeout must be > 0");
    }
    if (backlog < 1) throw new IllegalArgumentException("--listen-queue-size must be >= 1");
    if (ioThreads < 0) throw new IllegalArgumentException("--io-threads must be >= 0");
    if (replyTimeout.isNegative())
      throw new IllegalArgumentException("--reply-timeout must be >= 0");
    allowFrom = List.copyOf(allowFrom);
  }

  /** Defaults for everything but where to listen (tests, tools). */
  public static ServerOptions of(
      List<ListenAddress> listen,
      int maxConnections,
      Duration idleTimeout,
      boolean closeAfterReply) {
    return new ServerOptions(
        listen,
        ProtocolLimits.DEFAULT,
        maxConnections,
        idleTimeout,
        1024,
        closeAfterReply,
        0,
        Duration.ofSeconds(2),
        "DUNNO",
        List.of());
  }

  public ServerOptions withReplyTimeout(Duration timeout) {
    return new ServerOptions(
        listen,
        limits,
        maxConnections,
        idleTimeout,
        backlog,
        closeAfterReply,
        ioThreads,
        timeout,
        timeoutAction,
        allowFrom);
  }

  public ServerOptions withAllowFrom(List<Cidr> allowed) {
    return new ServerOptions(
        listen,
        limits,
        maxConnections,
        idleTimeout,
        backlog,
        closeAfterReply,
        ioThreads,
        replyTimeout,
        timeoutAction,
        allowed);
  }
}
