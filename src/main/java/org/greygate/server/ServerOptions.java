package org.greygate.server;

import static org.greygate.config.InvalidSetting.check;

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
 * @param replyTimeout a decision not ready by then gets the decider's timeout answer; zero waits as
 *     long as it takes
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
    List<Cidr> allowFrom) {
  public ServerOptions {
    listen = List.copyOf(listen);
    check(!listen.isEmpty(), "inet", "is empty: nothing to listen on");
    check(maxConnections >= 1, "max-connections", "must be >= 1, got " + maxConnections);
    check(
        !idleTimeout.isNegative() && !idleTimeout.isZero(),
        "idle-timeout",
        "must be > 0, got " + idleTimeout.toSeconds() + " s");
    check(
        idleTimeout.compareTo(MAX_IDLE_TIMEOUT) <= 0,
        "idle-timeout",
        "must be at most " + MAX_IDLE_TIMEOUT.toSeconds() + " s, got " + idleTimeout.toSeconds());
    check(backlog >= 1, "listen-queue-size", "must be >= 1, got " + backlog);
    check(
        ioThreads >= 0 && ioThreads <= MAX_IO_THREADS,
        "io-threads",
        "must be 0.." + MAX_IO_THREADS + ", got " + ioThreads);
    check(
        !replyTimeout.isNegative() && replyTimeout.compareTo(MAX_REPLY_TIMEOUT) <= 0,
        "reply-timeout",
        "must be 0.."
            + MAX_REPLY_TIMEOUT.toMillis()
            + " ms, got "
            + (replyTimeout.getSeconds() < Long.MAX_VALUE / 1000
                ? replyTimeout.toMillis()
                : replyTimeout.getSeconds() + " s"));
    allowFrom = List.copyOf(allowFrom);
  }

  /** A day: longer is no idle timeout at all, and each connection's timer counts in nanoseconds. */
  public static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(1);

  /** An hour: Postfix gave up long before (smtpd_policy_service_timeout, 100 s by default). */
  public static final Duration MAX_REPLY_TIMEOUT = Duration.ofHours(1);

  /** Each event loop holds file descriptors and buffers: thousands only exhaust them. */
  public static final int MAX_IO_THREADS = 256;

  /** Defaults for everything but where to listen (tests, tools). */
  public static Builder listening(List<ListenAddress> listen) {
    return new Builder(listen);
  }

  public Builder toBuilder() {
    return new Builder(listen)
        .limits(limits)
        .maxConnections(maxConnections)
        .idleTimeout(idleTimeout)
        .backlog(backlog)
        .closeAfterReply(closeAfterReply)
        .ioThreads(ioThreads)
        .replyTimeout(replyTimeout)
        .allowFrom(allowFrom);
  }

  /** Starts from the defaults {@link ServerSettings} declares; {@link #build()} validates. */
  public static final class Builder {
    private final List<ListenAddress> listen;
    private ProtocolLimits limits = ProtocolLimits.DEFAULT;
    private int maxConnections = ServerSettings.MAX_CONNECTIONS.defaultValue();
    private Duration idleTimeout = Duration.ofSeconds(ServerSettings.IDLE_TIMEOUT.defaultValue());
    private int backlog = ServerSettings.LISTEN_QUEUE_SIZE.defaultValue();
    private boolean closeAfterReply;
    private int ioThreads = ServerSettings.IO_THREADS.defaultValue();
    private Duration replyTimeout = Duration.ofMillis(ServerSettings.REPLY_TIMEOUT.defaultValue());
    private List<Cidr> allowFrom = List.of();

    private Builder(List<ListenAddress> listen) {
      this.listen = listen;
    }

    public Builder limits(ProtocolLimits v) {
      limits = v;
      return this;
    }

    public Builder maxConnections(int v) {
      maxConnections = v;
      return this;
    }

    public Builder idleTimeout(Duration v) {
      idleTimeout = v;
      return this;
    }

    public Builder backlog(int v) {
      backlog = v;
      return this;
    }

    public Builder closeAfterReply(boolean v) {
      closeAfterReply = v;
      return this;
    }

    public Builder ioThreads(int v) {
      ioThreads = v;
      return this;
    }

    public Builder replyTimeout(Duration v) {
      replyTimeout = v;
      return this;
    }

    public Builder allowFrom(List<Cidr> v) {
      allowFrom = v;
      return this;
    }

    public ServerOptions build() {
      return new ServerOptions(
          listen,
          limits,
          maxConnections,
          idleTimeout,
          backlog,
          closeAfterReply,
          ioThreads,
          replyTimeout,
          allowFrom);
    }
  }
}
