package org.greygate.store.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the shared store is, as admins write it:
 *
 * <ul>
 *   <li>{@code redis://[USER:PASSWORD@]HOST[:PORT][/DB]}
 *   <li>{@code rediss://...} the same over TLS
 *   <li>{@code redis-sentinel://[USER:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]/MASTER[/DB]} the
 *       master the Sentinels name (the password is the master's; Sentinels are asked without one)
 *   <li>{@code redis-cluster://[USER:PASSWORD@]HOST[:PORT][,HOST[:PORT]...]} a Redis Cluster, found
 *       from any of these nodes (the rest is discovered); {@code rediss-cluster://} over TLS. A
 *       cluster has one database: no {@code /DB}.
 * </ul>
 *
 * A password from a file ({@code --redis-password-file}) keeps it out of {@code ps} and the unit.
 */
public final class RedisLocation {
  private RedisLocation() {}

  /**
   * @param password from a file, or null to take the URL's
   * @throws IllegalArgumentException naming what is wrong with the URL
   */
  public static RedisURI parse(String url, String password) {
    return parseAll(url, password).get(0);
  }

  /**
   * Whether {@code url} names a Redis Cluster ({@code redis-cluster://}, {@code
   * rediss-cluster://}).
   */
  public static boolean isCluster(String url) {
    String u = url.strip().toLowerCase(java.util.Locale.ROOT);
    return u.startsWith("redis-cluster://") || u.startsWith("rediss-cluster://");
  }

  /**
   * The server the URL names, or for a cluster every node it names (each with the password and
   * TLS).
   *
   * @param password from a file, or null to take the URL's
   * @throws IllegalArgumentException naming what is wrong with the URL
   */
  public static List<RedisURI> parseAll(String url, String password) {
    String u = url.strip();
    int scheme = u.indexOf("://");
    if (scheme < 0) throw new IllegalArgumentException("'" + url + "' is not redis://HOST[:PORT]");
    String kind = u.substring(0, scheme);
    String rest = u.substring(scheme + 3);
    String user = null;
    String pass = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String auth = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = auth.indexOf(':');
      if (colon >= 0) {
        user = decode(auth.substring(0, colon));
        pass = decode(auth.substring(colon + 1));
      } else {
        pass = decode(auth);
      }
      if (user != null && user.isEmpty()) user = null;
    }
    if (password != null) {
      if (pass != null) {
        throw new IllegalArgumentException(
            "a password in the URL and a password file: give one (the file keeps it out of ps)");
      }
      pass = password;
    }
    int slash = rest.indexOf('/');
    String hosts = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    RedisURI uri;
    List<RedisURI> more = new ArrayList<>();
    switch (kind) {
      case "redis", "rediss" -> {
        HostPort hp = hostPort(hosts, 6379);
        uri = RedisURI.Builder.redis(hp.host(), hp.port()).build();
        uri.setSsl(kind.equals("rediss"));
        if (kind.equals("rediss")) uri.setVerifyPeer(SslVerifyMode.FULL);
        if (!path.isEmpty()) uri.setDatabase(database(path));
      }
      case "redis-sentinel" -> {
        List<HostPort> sentinels = new ArrayList<>();
        for (String h : hosts.split(",", -1)) sentinels.add(hostPort(h, 26379));
        String[] parts = path.split("/");
        if (parts.length == 0 || parts[0].isEmpty()) {
          throw new IllegalArgumentException(
              "'" + url + "' names no master: redis-sentinel://HOST:PORT[,HOST:PORT]/MASTER");
        }
        RedisURI.Builder b =
            RedisURI.Builder.sentinel(sentinels.get(0).host(), sentinels.get(0).port(), parts[0]);
        for (int i = 1; i < sentinels.size(); i++) {
          b.withSentinel(sentinels.get(i).host(), sentinels.get(i).port());
        }
        uri = b.build();
        if (parts.length > 1) uri.setDatabase(database(parts[1]));
        if (parts.length > 2) throw new IllegalArgumentException("'" + url + "': too many parts");
      }
      case "redis-cluster", "rediss-cluster" -> {
        if (!path.isEmpty() || hosts.indexOf('?') >= 0) {
          throw new IllegalArgumentException(
              "'"
                  + url
                  + "': a Redis Cluster has one database and takes no options in the URL"
                  + " (redis-cluster://HOST:PORT[,HOST:PORT...]; the prefix, TLS files and"
                  + " password file are --redis-* settings)");
        }
        for (String h : hosts.split(",", -1)) {
          HostPort hp = hostPort(h, 6379);
          RedisURI node = RedisURI.Builder.redis(hp.host(), hp.port()).build();
          node.setSsl(kind.equals("rediss-cluster"));
          if (node.isSsl()) node.setVerifyPeer(SslVerifyMode.FULL);
          more.add(node);
        }
        uri = more.remove(0);
      }
      default ->
          throw new IllegalArgumentException(
              "'"
                  + kind
                  + "://' is not redis://, rediss://, redis-sentinel://, redis-cluster:// or"
                  + " rediss-cluster://");
    }
    List<RedisURI> all = new ArrayList<>();
    all.add(uri);
    all.addAll(more);
    if (pass != null) {
      for (RedisURI r : all) {
        r.setCredentialsProvider(
            new io.lettuce.core.StaticCredentialsProvider(user, pass.toCharArray()));
      }
    }
    return List.copyOf(all);
  }

  private record HostPort(String host, int port) {}

  private static HostPort hostPort(String s, int defaultPort) {
    if (s.isEmpty()) throw new IllegalArgumentException("no host");
    try {
      URI u = new URI("x://" + s);
      if (u.getHost() == null) throw new IllegalArgumentException("'" + s + "' is not HOST[:PORT]");
      String host = u.getHost();
      if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
      int port = u.getPort() < 0 ? defaultPort : u.getPort();
      if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range");
      return new HostPort(host, port);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + s + "' is not HOST[:PORT]");
    }
  }

  private static int database(String s) {
    try {
      int db = Integer.parseInt(s);
      if (db >= 0 && db <= 15_000) return db;
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("database '" + s + "' is not a number (0, 1, ...)");
  }

  private static String decode(String s) {
    // percent-escapes only: a '+' in a password is a '+'
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** A cluster's nodes as given: redis-cluster://host:port,host:port, without the password. */
  static String describe(List<RedisURI> nodes) {
    StringBuilder b =
        new StringBuilder(nodes.get(0).isSsl() ? "rediss-cluster://" : "redis-cluster://");
    for (int i = 0; i < nodes.size(); i++) {
      if (i > 0) b.append(',');
      b.append(nodes.get(i).getHost()).append(':').append(nodes.get(i).getPort());
    }
    return b.toString();
  }

  /** redis://host:port/db (or the Sentinels and the master's name), without the password. */
  static String describe(RedisURI uri) {
    StringBuilder b = new StringBuilder(uri.isSsl() ? "rediss://" : "redis://");
    if (!uri.getSentinels().isEmpty()) {
      b.setLength(0);
      b.append("redis-sentinel://");
      for (int i = 0; i < uri.getSentinels().size(); i++) {
        RedisURI s = uri.getSentinels().get(i);
        if (i > 0) b.append(',');
        b.append(s.getHost()).append(':').append(s.getPort());
      }
      b.append('/').append(uri.getSentinelMasterId());
    } else {
      b.append(uri.getHost()).append(':').append(uri.getPort());
    }
    if (uri.getDatabase() != 0) b.append(" db ").append(uri.getDatabase());
    return b.toString();
  }
}
