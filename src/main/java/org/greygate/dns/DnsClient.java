package org.greygate.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.xbill.DNS.Credibility;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SetResponse;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Asks a recursive resolver, never blocking the caller: each lookup is a {@link CompletionStage}
 * that completes with the answer (empty when the name or the record type does not exist) or fails
 * with {@link DnsException} (timeout, SERVFAIL, no resolver reachable). Answers are cached for
 * their TTL (dnsjava's cache, bounded), negative ones for the SOA's time or, without one, a minute.
 * Names are absolute: no search path is applied. Queries go over {@link UdpTransport} (TCP when an
 * answer is truncated); with several resolvers, the next is asked when one fails.
 */
public final class DnsClient implements Lookups, AutoCloseable {
  /**
   * How long a "no such name" or "no such record" answer is kept when the zone sends no SOA to say
   * (dnsjava's cache keeps the others for the SOA's time): a DNS list's unlisted clients are most
   * of its answers, so they must not be asked again for every message.
   */
  static final long NEGATIVE_NANOS = TimeUnit.SECONDS.toNanos(60);

  static final int NEGATIVE_LIMIT = 100_000;

  private final List<Resolver> transports;
  private final Duration timeout;
  private final Cache cache;
  private final String servers;
  private final Map<String, Long> negative = new ConcurrentHashMap<>();

  /** A client of these resolvers (tried in turn), without dnsjava's warm-up. */
  DnsClient(List<? extends Resolver> transports, Duration timeout, String servers) {
    this.transports = List.copyOf(transports);
    this.timeout = timeout;
    this.servers = servers;
    this.cache = new Cache(DClass.IN);
    cache.setMaxEntries(100_000);
  }

  /**
   * A client of {@code servers} (tried in turn), or of the system's resolvers (resolv.conf) when
   * the list is empty.
   *
   * @param timeout how long a lookup may take, all resolvers together, before it fails
   */
  public static DnsClient of(List<InetSocketAddress> servers, Duration timeout) {
    List<InetSocketAddress> use = servers;
    if (use.isEmpty()) use = ResolverConfig.getCurrentConfig().servers();
    if (use.isEmpty()) use = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
    List<UdpTransport> transports = new ArrayList<>();
    try {
      for (InetSocketAddress a : use) transports.add(new UdpTransport(a));
    } catch (IOException e) {
      for (UdpTransport t : transports) t.close();
      throw new UncheckedIOException("cannot open a socket for DNS: " + e.getMessage(), e);
    }
    warmUp();
    return new DnsClient(
        List.copyOf(transports),
        timeout,
        String.join(",", use.stream().map(DnsClient::hostPort).toList()));
  }

  @Override
  public void close() {
    for (Resolver t : transports) t.close();
  }

  /**
   * Encodes and decodes one message of each type asked, so that dnsjava's classes and tables are
   * loaded at start, not on the first mail's time.
   */
  private static void warmUp() {
    try {
      for (int type : new int[] {Type.A, Type.AAAA, Type.TXT, Type.MX, Type.PTR}) {
        Message m = Message.newQuery(Record.newRecord(Name.fromString("warm.invalid."), type, 1));
        new Message(m.toWire()).getRcode();
      }
      Rcode.string(Rcode.NXDOMAIN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /**
   * Datagrams that came on a query's socket and did not answer it (another ID or question, not a
   * response, not DNS), all resolvers together: ignored, each a sign of spoofing or of a broken
   * resolver.
   */
  public long ignoredAnswers() {
    long n = 0;
    for (Resolver t : transports) n += t.ignored();
    return n;
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
    // the negative answers are most of a DNS list's: looked up before the name is even parsed
    String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    String key = type + " " + bare.toLowerCase(java.util.Locale.ROOT);
    Long until = negative.get(key);
    if (until != null) {
      if (until - System.nanoTime() > 0) return CompletableFuture.completedFuture(List.of());
      negative.remove(key, until);
    }
    Name n;
    try {
      n = Name.fromString(bare + ".");
    } catch (TextParseException e) {
      return CompletableFuture.failedFuture(
          new DnsException("not a DNS name: " + name + " (" + e.getMessage() + ")", e));
    }
    SetResponse cached = cache.lookupRecords(n, type, Credibility.NORMAL);
    if (cached.isSuccessful()) {
      List<Record> out = new ArrayList<>();
      for (RRset set : cached.answers()) out.addAll(set.rrs());
      return CompletableFuture.completedFuture(out);
    }
    if (cached.isNXDOMAIN() || cached.isNXRRSET()) {
      return CompletableFuture.completedFuture(List.of());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    return ask(n, type, 0, deadline)
        .handle(
            (m, error) -> {
              if (error != null) {
                Throwable e = error instanceof CompletionException c ? c.getCause() : error;
                throw new CompletionException(
                    new DnsException(Type.string(type) + " " + name + ": " + describe(e), e));
              }
              try {
                return records(m, type, name, key);
              } catch (DnsException e) {
                throw new CompletionException(e);
              }
            });
  }

  /**
   * The records of {@code type} an answer (matched to its query by the transport) carries, cached;
   * empty (and remembered as such under {@code key}) for "no such name" or "no such record".
   *
   * @throws DnsException for any other response code
   */
  List<Record> records(Message m, int type, String name, String key) throws DnsException {
    int rcode = m.getRcode();
    if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
      throw new DnsException(Type.string(type) + " " + name + ": " + Rcode.string(rcode), null);
    }
    List<Record> out = new ArrayList<>();
    try {
      cache.addMessage(m);
      if (rcode == Rcode.NOERROR) {
        for (Record r : m.getSection(Section.ANSWER)) {
          if (r.getType() == type) out.add(r);
        }
      }
    } catch (RuntimeException e) {
      // dnsjava parses some records it cannot then compare or write (a WKS record with an empty
      // bitmap threw ArrayIndexOutOfBoundsException in the cache): an answer it cannot read
      throw new DnsException(Type.string(type) + " " + name + ": unreadable answer: " + e, e);
    }
    if (out.isEmpty()) rememberNegative(key);
    return out;
  }

  /** Asks resolver {@code i}, then the next ones while time is left. */
  private CompletableFuture<Message> ask(Name n, int type, int i, long deadline) {
    long left = deadline - System.nanoTime();
    int remaining = transports.size() - i;
    // share what is left between the resolvers still to try
    Duration attempt = Duration.ofNanos(Math.max(1, left / remaining));
    CompletableFuture<Message> answer = transports.get(i).query(n, type, attempt);
    if (i + 1 >= transports.size()) return answer;
    return answer.exceptionallyCompose(
        e -> deadline - System.nanoTime() > 0 ? ask(n, type, i + 1, deadline) : answer);
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
