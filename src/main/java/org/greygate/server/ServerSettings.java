package org.greygate.server;

import static org.greygate.config.InvalidSetting.check;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;
import org.greygate.inet.Cidr;
import org.greygate.protocol.ProtocolLimits;

/** Where and how the daemon listens, declared once: Postgrey's socket options and the limits. */
public final class ServerSettings {
  private ServerSettings() {}

  static final String GROUP = "Listening and limits";

  public static final Setting<List<ListenAddress.Inet>> INET =
      Setting.list(
              "inet",
              "[HOST:]PORT",
              ListenAddress::parseInet,
              "Listen on TCP; a bare PORT binds loopback only (127.0.0.1 and ::1). Repeatable.")
          .withAliases("-i")
          .inGroup(GROUP);

  public static final Setting<List<Path>> UNIX =
      Setting.list("unix", "PATH", Values.PATH, "Listen on a unix socket. Repeatable.")
          .withAliases("-u")
          .inGroup(GROUP);

  public static final Setting<Integer> SOCKETMODE =
      Setting.value("socketmode", "MODE", 0660, Values.OCTAL_MODE, "Unix socket permissions.")
          .withDefaultText("0660")
          .inGroup(GROUP);

  public static final Setting<Boolean> EXIM =
      Setting.flag("exim", "Close the connection after each reply (for Exim).").inGroup(GROUP);

  public static final Setting<Integer> LISTEN_QUEUE_SIZE =
      Setting.value("listen-queue-size", "N", 1024, Values.INT, "Listen backlog.").inGroup(GROUP);

  public static final Setting<Integer> MAX_CONNECTIONS =
      Setting.value(
              "max-connections",
              "N",
              1000,
              Values.INT,
              "Connections served at once; more are refused.")
          .inGroup(GROUP);

  /** In seconds. */
  public static final Setting<Long> IDLE_TIMEOUT =
      Setting.value(
              "idle-timeout",
              "SECONDS",
              600L,
              Values.LONG,
              "Close connections idle this long (keep above Postfix's 300).")
          .inGroup(GROUP);

  public static final Setting<Integer> MAX_LINE_LENGTH =
      Setting.value(
              "max-line-length",
              "BYTES",
              ProtocolLimits.DEFAULT.maxLineBytes(),
              Values.INT,
              "Longest request line.")
          .inGroup(GROUP);

  public static final Setting<Integer> MAX_ATTRIBUTES =
      Setting.value(
              "max-attributes",
              "N",
              ProtocolLimits.DEFAULT.maxAttributes(),
              Values.INT,
              "Most attributes in one request.")
          .inGroup(GROUP);

  public static final Setting<Integer> MAX_REQUEST_SIZE =
      Setting.value(
              "max-request-size",
              "BYTES",
              ProtocolLimits.DEFAULT.maxRequestBytes(),
              Values.INT,
              "Largest request.")
          .inGroup(GROUP);

  public static final Setting<Integer> IO_THREADS =
      Setting.value("io-threads", "N", 0, Values.INT, "Network threads (0 = one per core).")
          .inGroup(GROUP);

  /** In milliseconds. */
  public static final Setting<Long> REPLY_TIMEOUT =
      Setting.value(
              "reply-timeout",
              "MILLISECONDS",
              2000L,
              Values.LONG,
              "Answer --store-failure-action when a decision is not ready in time (0 waits as"
                  + " long as it takes).")
          .inGroup("Operation");

  public static final Setting<List<Cidr>> ALLOW_FROM =
      Setting.list(
              "allow-from",
              "CIDR",
              t -> Cidr.parse(t.strip()),
              "Accept TCP connections only from these networks (default: any; --inet=PORT binds"
                  + " loopback only anyway). Repeatable.")
          .splitAt(",")
          .inGroup(GROUP);

  /** Where Prometheus scrapes; null: off. */
  public static final Setting<ListenAddress.Inet> METRICS =
      Setting.value(
              "metrics",
              "[HOST:]PORT",
              null,
              ListenAddress::parseInet,
              "Serve Prometheus metrics on http://HOST:PORT/metrics and a health check on"
                  + " /health; a bare PORT binds 127.0.0.1 (default: off).")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(
          INET,
          UNIX,
          SOCKETMODE,
          EXIM,
          LISTEN_QUEUE_SIZE,
          MAX_CONNECTIONS,
          IDLE_TIMEOUT,
          MAX_LINE_LENGTH,
          MAX_ATTRIBUTES,
          MAX_REQUEST_SIZE,
          IO_THREADS,
          REPLY_TIMEOUT,
          ALLOW_FROM,
          METRICS);

  /**
   * The server's options of {@code s}.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  public static ServerOptions options(Settings s) {
    List<ListenAddress> listen = new ArrayList<>(s.get(INET));
    for (Path u : s.get(UNIX)) listen.add(new ListenAddress.Unix(u, s.get(SOCKETMODE)));
    check(!listen.isEmpty(), UNIX.name(), "or --inet must be given");
    ProtocolLimits limits =
        new ProtocolLimits(s.get(MAX_LINE_LENGTH), s.get(MAX_ATTRIBUTES), s.get(MAX_REQUEST_SIZE));
    return ServerOptions.listening(listen)
        .limits(limits)
        .maxConnections(s.get(MAX_CONNECTIONS))
        .idleTimeout(Duration.ofSeconds(s.get(IDLE_TIMEOUT)))
        .backlog(s.get(LISTEN_QUEUE_SIZE))
        .closeAfterReply(s.get(EXIM))
        .ioThreads(s.get(IO_THREADS))
        .replyTimeout(Duration.ofMillis(s.get(REPLY_TIMEOUT)))
        .allowFrom(s.get(ALLOW_FROM))
        .build();
  }

  /** Where {@link #METRICS} listens, or null when it is off. */
  public static InetSocketAddress metricsAddress(Settings s) {
    return metricsAddress(s.get(METRICS));
  }

  /** A bare port binds 127.0.0.1; null for null. */
  public static InetSocketAddress metricsAddress(ListenAddress.Inet a) {
    if (a == null) return null;
    return new InetSocketAddress(a.host() == null ? "127.0.0.1" : a.host(), a.port());
  }
}
