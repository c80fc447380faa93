package org.greygate.server;

import java.nio.file.Path;

/** Where to listen. */
public sealed interface ListenAddress {
  /** TCP. {@code host} null means loopback only (127.0.0.1 and, if present, ::1). */
  record Inet(String host, int port) implements ListenAddress {
    public Inet {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " out of range 0..65535");
      }
    }

    @Override
    public String toString() {
      return host == null
          ? "localhost:" + port
          : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** A unix domain socket file with the given permission bits (e.g. 0660). */
  record Unix(Path path, int mode) implements ListenAddress {
    @Override
    public String toString() {
      return "unix:" + path;
    }
  }

  /**
   * Parses Postgrey's {@code --inet} value: {@code PORT}, {@code HOST:PORT}, {@code [V6]:PORT} or
   * {@code V6:PORT}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  static Inet parseInet(String value) {
    String v = value.strip();
    String host = null;
    String port = v;
    if (v.startsWith("[")) {
      int close = v.indexOf("]:");
      if (close < 0) {
        throw new IllegalArgumentException("expected [IPV6]:PORT, got '" + value + "'");
      }
      host = v.substring(1, close);
      port = v.substring(close + 2);
    } else {
      int colon = v.lastIndexOf(':');
      if (colon >= 0) {
        host = v.substring(0, colon);
        port = v.substring(colon + 1);
      }
    }
    if (host != null && host.isEmpty()) {
      throw new IllegalArgumentException("empty host in '" + value + "'");
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number: '" + port + "' in '" + value + "'");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port " + p + " out of range 0..65535");
    }
    if ("*".equals(host)) {
      host = "0.0.0.0";
    }
    return new Inet(host, p);
  }

  static ListenAddress parse(String value) {
    return value.startsWith("unix:")
        ? new Unix(Path.of(value.substring(5)), 0660)
        : parseInet(value);
  }
}
