package org.greygate.doctor;

import java.nio.file.Path;
import java.util.Locale;

/** Where a policy service listens, as greygate and Postfix name it. */
public sealed interface Endpoint {
  /**
   * {@code inet:HOST:PORT}; a host of {@code 0.0.0.0}, {@code ::} or {@code *} is every address.
   */
  record Tcp(String host, int port) implements Endpoint {
    @Override
    public String postfixName() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return "inet:" + (wildcard() ? "127.0.0.1" : h) + ":" + port;
    }

    boolean wildcard() {
      return host.equals("0.0.0.0") || host.equals("::") || host.equals("*") || host.isEmpty();
    }

    boolean loopback() {
      String h = host.toLowerCase(Locale.ROOT);
      return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }
  }

  /** A unix socket, an absolute path on this host. */
  record Local(Path path) implements Endpoint {
    @Override
    public String postfixName() {
      return "unix:" + path;
    }
  }

  /** As it is written after {@code check_policy_service}. */
  String postfixName();

  /**
   * What Postfix means by {@code check_policy_service NAME}: {@code inet:HOST:PORT}, {@code
   * unix:PATH} (relative to {@code queueDirectory}), or a bare path; null when it is neither.
   */
  static Endpoint ofPostfix(String name, Path queueDirectory) {
    if (name.startsWith("inet:")) {
      String hp = name.substring(5);
      int colon = hp.lastIndexOf(':');
      if (colon <= 0) return null;
      String host = hp.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
      try {
        return new Tcp(host, Integer.parseInt(hp.substring(colon + 1)));
      } catch (NumberFormatException e) {
        return null; // a service name, not a port: not one of greygate's
      }
    }
    String path = name.startsWith("unix:") ? name.substring(5) : name;
    if (path.isEmpty() || path.contains(":")) return null;
    Path p = Path.of(path);
    return new Local(p.isAbsolute() ? p.normalize() : queueDirectory.resolve(p).normalize());
  }

  /** Whether Postfix asking {@code postfix} reaches greygate listening at {@code greygate}. */
  static boolean same(Endpoint postfix, Endpoint greygate) {
    if (postfix instanceof Local a && greygate instanceof Local b) return a.path.equals(b.path);
    if (postfix instanceof Tcp a && greygate instanceof Tcp b) {
      if (a.port != b.port) return false;
      if (b.wildcard() || a.host.equalsIgnoreCase(b.host)) return true;
      return a.loopback() && b.loopback();
    }
    return false;
  }
}
