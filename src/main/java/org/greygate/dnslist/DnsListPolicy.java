package org.greygate.dnslist;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.greygate.dns.Lookups;
import org.greygate.inet.IpAddress;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DnsBudget;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.protocol.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every configured DNS list about the client, in parallel and within the request's DNS budget,
 * then: a client whose allow-list score less its block-list score reaches the skip score passes
 * ({@code reason=dnswl, dnswl=ZONE,...}); with greylist-only-listed, a client on no block list that
 * has a name (a PTR: Postfix says {@code unknown} otherwise) passes ({@code reason=not listed});
 * anyone else goes on to greylisting. A list that fails to answer, or a budget that runs out,
 * leaves the request to greylisting as if no list were configured: DNS never stops mail, and never
 * makes it wait past the budget.
 */
public final class DnsListPolicy implements Policy {
  private static final Logger log = LoggerFactory.getLogger(DnsListPolicy.class);
  private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final DnsListConfig config;
  private final Duration budget;
  private final Lookups dns;
  private final Metrics metrics;
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  /** Answers by result, and requests whose DNS budget ran out ({@code timeout}). */
  static final Meter ANSWERS =
      Meter.counter(
          "greygate_dns_list_answers_total",
          "DNS list answers by result (listed, not-listed, refused, bogus, error) and"
              + " requests whose DNS budget ran out (timeout)",
          "result");

  /**
   * @param budget the request's time for DNS, shared with the other policies that ask DNS
   */
  public DnsListPolicy(DnsListConfig config, Duration budget, Lookups dns, Metrics metrics) {
    metrics.declare(ANSWERS);
    this.config = config;
    this.budget = budget;
    this.dns = dns;
    this.metrics = metrics;
  }

  /** What one list said of the client. */
  enum Answer {
    LISTED,
    NOT_LISTED,
    REFUSED,
    BOGUS,
    FAILED
  }

  /**
   * A list's answer read as RFC 5782 says: listed when it gives an address in 127.0.0.0/8;
   * 127.255.255.0/24 is the lists' own "query refused" (an open resolver, too many queries), not a
   * listing; an address outside 127/8 is a resolver that rewrites "no such name", not a listing.
   */
  static Answer read(List<InetAddress> addresses) {
    if (addresses.isEmpty()) return Answer.NOT_LISTED;
    boolean refused = false;
    boolean bogus = false;
    for (InetAddress a : addresses) {
      byte[] b = a.getAddress();
      if (b.length != 4 || (b[0] & 0xff) != 127) {
        bogus = true;
      } else if ((b[1] & 0xff) == 255 && (b[2] & 0xff) == 255) {
        refused = true;
      } else {
        return Answer.LISTED;
      }
    }
    return refused ? Answer.REFUSED : bogus ? Answer.BOGUS : Answer.NOT_LISTED;
  }

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    Optional<RcptCheck> rcpt = RcptCheck.of(context);
    if (rcpt.isEmpty() || rcpt.get().client() == null) return NO_OPINION;
    RcptCheck r = rcpt.get();
    IpAddress client = r.client();
    List<DnsList> lists = config.lists();
    @SuppressWarnings("unchecked")
    CompletableFuture<Answer>[] asked = new CompletableFuture[lists.size()];
    for (int i = 0; i < asked.length; i++) {
      DnsList list = lists.get(i);
      asked[i] =
          dns.ipv4(list.queryName(client))
              .thenApply(a -> read(a.values()))
              .exceptionally(
                  e -> {
                    quietly(
                        "error " + list.zone(),
                        "DNS list "
                            + list.zone()
                            + ": no answer for "
                            + client
                            + " ("
                            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())
                            + "); deciding as if no list were set");
                    return Answer.FAILED;
                  })
              .toCompletableFuture();
    }
    boolean allDone = true;
    for (CompletableFuture<Answer> a : asked) allDone &= a.isDone();
    if (allDone) return CompletableFuture.completedFuture(decide(r, lists, asked)); // from cache
    long left = Math.max(1, DnsBudget.remainingNanos(context, budget));
    return CompletableFuture.allOf(asked)
        .orTimeout(left, TimeUnit.NANOSECONDS)
        .handle(
            (ok, e) -> {
              if (e != null) {
                metrics.add(ANSWERS, 1, "timeout");
                quietly(
                    "timeout",
                    "DNS lists: no answers within "
                        + budget.toMillis()
                        + " ms for "
                        + client
                        + "; deciding as if no list were set");
                return Optional.<Outcome>empty();
              }
              return decide(r, lists, asked);
            });
  }

  private Optional<Outcome> decide(
      RcptCheck r, List<DnsList> lists, CompletableFuture<Answer>[] asked) {
    int allow = 0;
    int block = 0;
    List<String> allowedBy = new ArrayList<>();
    boolean failed = false;
    for (int i = 0; i < asked.length; i++) {
      DnsList list = lists.get(i);
      Answer a = asked[i].join();
      metrics.add(
          ANSWERS,
          1,
          switch (a) {
            case LISTED -> "listed";
            case NOT_LISTED -> "not-listed";
            case REFUSED -> "refused";
            case BOGUS -> "bogus";
            case FAILED -> "error";
          });
      switch (a) {
        case LISTED -> {
          if (list.allow()) {
            allow += list.score();
            allowedBy.add(list.zone());
          } else {
            block += list.score();
          }
        }
        case REFUSED ->
            quietly(
                "refused " + list.zone(),
                "DNS list "
                    + list.zone()
                    + " refused the query for "
                    + r.client()
                    + " (127.255.255.x): read as not listed; the list may not serve this"
                    + " resolver (see --dns-server)");
        case BOGUS ->
            quietly(
                "bogus " + list.zone(),
                "DNS list "
                    + list.zone()
                    + " answered "
                    + r.client()
                    + " with an address outside 127/8 (a resolver that rewrites unknown"
                    + " names?): read as not listed");
        case FAILED -> failed = true;
        case NOT_LISTED -> {}
      }
    }
    if (failed) return Optional.empty();
    if (allow - block >= config.skipScore()) {
      return Optional.of(
          new Outcome.Dunno(
              DnsListReasons.DNSWL.note(
                  "pass", null, List.of("dnswl=" + String.join(",", allowedBy)))));
    }
    if (config.greylistOnlyListed() && block == 0 && !unknown(r.clientName())) {
      return Optional.of(new Outcome.Dunno(DnsListReasons.NOT_LISTED.note("pass")));
    }
    return Optional.empty();
  }

  private static boolean unknown(String clientName) {
    return clientName == null || clientName.isEmpty() || clientName.equalsIgnoreCase("unknown");
  }

  /** Logs a warning at most once a minute per kind, so a dead list does not flood the log. */
  private void quietly(String kind, String message) {
    long now = System.nanoTime();
    Long last = lastLogged.get(kind);
    if (last != null && now - last < QUIET_NANOS) return;
    lastLogged.put(kind, now);
    log.warn(message);
  }
}
