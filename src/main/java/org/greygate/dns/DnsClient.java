package org.greygate.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.lookup.LookupSession;
import org.xbill.DNS.lookup.NoSuchDomainException;
import org.xbill.DNS.lookup.NoSuchRRSetException;

/**
 * Asks a recursive resolver, never blocking the caller: each lookup is a {@link CompletionStage}
 * that completes with the answer (empty when the name or the record type does not exist) or fails
 * with {@link DnsException} (timeout, SERVFAIL, no resolver reachable). Answers, negative ones
 * included when the zone says for how long, are cached for their TTL (dnsjava's cache, bounded).
 * Names are absolute: no search path is applied.
 */
public final class DnsClient implements Lookups {
  /**
   * How long a "no such name" or "no such record" answer is kept when the zone sends no SOA to say
   * (dnsjava's cache keeps the others for the SOA's time): a DNS list's unlisted clients are most
   * of its answers, so they must not be asked again for every message.
   */
  static final long NEGATIVE_NANOS = TimeUnit.SECONDS.toNanos(60);

  static final int NEGATIVE_LIMIT = 100_000;

  private static final String SELECTOR_TIMEOUT = "dnsjava.nio.selector_timeout";

  private final LookupSession session;
  private final String servers;
  private final Map<String, Long> negative = new ConcurrentHashMap<>();

  private DnsClient(LookupSession session, String servers) {
    this.session = session;
    this.servers = servers;
  }

  /**
   * A client of {@code servers} (tried in turn), or of the system's resolvers (resolv.conf) when
   * the list is empty.
   *
   * @param timeout how long one query may take before it fails
   */
  public static DnsClient of(List<InetSocketAddress> servers, Duration timeout) {
    // dnsjava checks its queries' timeouts when its selector wakes, once a second by default: a
    // query past a 200 ms timeout would linger (and a second resolver be tried) up to a second late
    if (System.getProperty(SELECTOR_TIMEOUT) == null) System.setProperty(SELECTOR_TIMEOUT, "20");
    List<InetSocketAddress> use = servers;
    if (use.isEmpty()) use = ResolverConfig.getCurrentConfig().servers();
    if (use.isEmpty()) use = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
    List<Resolver> resolvers = new ArrayList<>();
    for (InetSocketAddress a : use) {
      SimpleResolver r = new SimpleResolver(a);
      r.setTimeout(timeout);
      resolvers.add(r);
    }
    Resolver resolver;
    if (resolvers.size() == 1) {
      resolver = resolvers.get(0);
    } else {
      ExtendedResolver e = new ExtendedResolver(resolvers);
      e.setTimeout(timeout);
      e.setRetries(1);
      resolver = e;
    }
    Cache cache = new Cache(DClass.IN);
    cache.setMaxEntries(100_000);
    LookupSession session =
        LookupSession.builder().resolver(resolver).cache(cache).clearSearchPath().ndots(1).build();
    return new DnsClient(session, String.join(",", use.stream().map(DnsClient::hostPort).toList()));
  }

  private static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /** The resolvers asked, for logs. */
  public String servers() {
    return servers;
  }

  /** The IPv4 addresses of {@code name}. */
  @Override
  public CompletionStage<Answer<InetAddress>> ipv4(String name) {
    return lookup(name, Type.A)
        .thenApply(
            rs -> {
              List<InetAddress> out = new ArrayList<>();
              for (Record r : rs) if (r instanceof ARecord a) out.add(a.getAddress());
              return new Answer<>(out, ttl(rs));
            });
  }

  /** The IPv6 addresses of {@code name}. */
  @Override
  public CompletionStage<Answer<InetAddress>> ipv6(String name) {
    return lookup(name, Type.AAAA)
        .thenApply(
            rs -> {
              List<InetAddress> out = new ArrayList<>();
              for (Record r : rs) if (r instanceof AAAARecord a) out.add(a.getAddress());
              return new Answer<>(out, ttl(rs));
            });
  }

  /** The TXT records of {@code name}, each its strings joined (as SPF reads them). */
  @Override
  public CompletionStage<Answer<String>> txt(String name) {
    return lookup(name, Type.TXT)
        .thenApply(
            rs -> {
              List<String> out = new ArrayList<>();
              for (Record r : rs) {
                if (r instanceof TXTRecord t) out.add(String.join("", t.getStrings()));
              }
              return new Answer<>(out, ttl(rs));
            });
  }

  /** The mail exchangers of {@code name}, most preferred first, without the trailing dot. */
  @Override
  public CompletionStage<Answer<String>> mx(String name) {
    return lookup(name, Type.MX)
        .thenApply(
            rs -> {
              List<MXRecord> mx = new ArrayList<>();
              for (Record r : rs) if (r instanceof MXRecord m) mx.add(m);
              mx.sort(java.util.Comparator.comparingInt(MXRecord::getPriority));
              List<String> out = new ArrayList<>();
              for (MXRecord m : mx) out.add(relative(m.getTarget()));
              return new Answer<>(out, ttl(rs));
            });
  }

  /** The names {@code address} points back to (PTR), without the trailing dot. */
  @Override
  public CompletionStage<Answer<String>> ptr(InetAddress address) {
    return lookup(ReverseMap.fromAddress(address).toString(), Type.PTR)
        .thenApply(
            rs -> {
              List<String> out = new ArrayList<>();
              for (Record r : rs) if (r instanceof PTRRecord p) out.add(relative(p.getTarget()));
              return new Answer<>(out, ttl(rs));
            });
  }

  private static String relative(Name n) {
    String s = n.toString();
    return s.endsWith(".") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
  }

  private static long ttl(List<Record> rs) {
    long ttl = Long.MAX_VALUE;
    for (Record r : rs) ttl = Math.min(ttl, r.getTTL());
    return ttl == Long.MAX_VALUE ? Answer.NEGATIVE_TTL : ttl;
  }

  private CompletionStage<List<Record>> lookup(String name, int type) {
    Name n;
    try {
      n = Name.fromString(name.endsWith(".") ? name : name + ".");
    } catch (TextParseException e) {
      return CompletableFuture.failedFuture(
          new DnsException("not a DNS name: " + name + " (" + e.getMessage() + ")", e));
    }
    String key = type + " " + n.toString().toLowerCase(java.util.Locale.ROOT);
    Long until = negative.get(key);
    if (until != null) {
      if (until - System.nanoTime() > 0) return CompletableFuture.completedFuture(List.of());
      negative.remove(key, until);
    }
    CompletableFuture<List<Record>> out = new CompletableFuture<>();
    try {
      session
          .lookupAsync(n, type)
          .whenComplete(
              (result, error) -> {
                if (error == null) {
                  out.complete(result.getRecords());
                  return;
                }
                Throwable e = error instanceof CompletionException c ? c.getCause() : error;
                if (e instanceof NoSuchDomainException || e instanceof NoSuchRRSetException) {
                  rememberNegative(key);
                  out.complete(List.of());
                } else {
                  out.completeExceptionally(
                      new DnsException(Type.string(type) + " " + name + ": " + describe(e), e));
                }
              });
    } catch (RuntimeException e) {
      out.completeExceptionally(new DnsException(Type.string(type) + " " + name + ": " + e, e));
    }
    return out;
  }

  private void rememberNegative(String key) {
    long now = System.nanoTime();
    if (negative.size() >= NEGATIVE_LIMIT) {
      negative.values().removeIf(t -> t - now <= 0);
      if (negative.size() >= NEGATIVE_LIMIT) negative.clear();
    }
    negative.put(key, now + NEGATIVE_NANOS);
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String kind = e.getClass().getSimpleName();
    if (e instanceof java.util.concurrent.TimeoutException
        || e instanceof java.net.SocketTimeoutException
        || (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("timed out"))) {
      return "timed out";
    }
    return m == null ? kind : kind + ": " + m;
  }
}
