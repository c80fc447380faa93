package org.greygate.spf;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.greygate.inet.IpAddress;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DnsBudget;
import org.greygate.policy.GreylistHints;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyContext;
import org.greygate.policy.RcptCheck;
import org.greygate.protocol.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPF-aware retry grouping: when the client passes SPF for the envelope sender's domain, the
 * triplet is keyed by that domain instead of the client's network, so a retry from any address of
 * the sender's pool (Office 365, Gmail, SES...) finds the first attempt. Any other SPF result, a
 * null sender, a pass by a mechanism that lets nearly any address pass ({@code +all}, {@code
 * ip4:0.0.0.0/1}...), or a budget that runs out leaves the triplet keyed by the client as before.
 * Never decides a request itself.
 *
 * <p>Results are cached per (client address, sender domain) for the TTL of the records they were
 * built from (at most an hour); temporary errors are not cached. Thread-safe.
 */
public final class SpfGrouping implements Policy {
  private static final Logger log = LoggerFactory.getLogger(SpfGrouping.class);
  static final int CACHE_LIMIT = 100_000;

  private final SpfEvaluator spf;
  private final Duration budget;
  private final Metrics metrics;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();
  private volatile long lastTimeoutLog = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);

  /** Checks by result, and whether the answer was cached. */
  static final Meter CHECKS =
      Meter.counter(
          "greygate_spf_checks_total",
          "SPF checks for retry grouping by result (pass groups the retry by sender domain;"
              + " timeout: the DNS budget ran out) and whether the answer was cached",
          "result",
          "cached");

  private record Cached(SpfResult result, boolean groups, long expiresNanos) {}

  public SpfGrouping(SpfEvaluator spf, Duration budget, Metrics metrics) {
    metrics.declare(CHECKS);
    this.spf = spf;
    this.budget = budget;
    this.metrics = metrics;
  }

  @Override
  public CompletionStage<Optional<Outcome>> evaluate(PolicyContext context) {
    Optional<RcptCheck> rcpt = RcptCheck.of(context);
    if (rcpt.isEmpty()) return NO_OPINION;
    RcptCheck r = rcpt.get();
    String domain = senderDomain(r.sender());
    if (domain == null) return NO_OPINION;
    IpAddress client = r.client();
    String key = client + " " + domain;
    long now = System.nanoTime();
    Cached hit = cache.get(key);
    if (hit != null && hit.expiresNanos - now > 0) {
      metrics.add(CHECKS, 1, hit.result.label(), "true");
      if (hit.groups) GreylistHints.of(context).groupBy(domain);
      return NO_OPINION;
    }
    long left = DnsBudget.remainingNanos(context, budget);
    if (left <= 0) {
      timedOut(client, domain);
      return NO_OPINION;
    }
    return spf.check(client, domain, r.sender(), context.request().get("helo_name"))
        .toCompletableFuture()
        .orTimeout(left, TimeUnit.NANOSECONDS)
        .handle(
            (v, e) -> {
              if (e != null) {
                timedOut(client, domain);
                return Optional.empty();
              }
              metrics.add(CHECKS, 1, v.result().label(), "false");
              // "+all" and the like let any address pass: no pool to group by
              boolean groups = v.result() == SpfResult.PASS && !v.broad();
              if (v.result() != SpfResult.TEMPERROR && v.ttl() > 0) {
                if (cache.size() >= CACHE_LIMIT) evictExpired();
                cache.put(
                    key,
                    new Cached(v.result(), groups, System.nanoTime() + v.ttl() * 1_000_000_000L));
              }
              if (groups) GreylistHints.of(context).groupBy(domain);
              if (log.isDebugEnabled()) {
                log.debug(
                    "SPF {} for {} from {}: {}", v.result().label(), domain, client, v.detail());
              }
              return Optional.empty();
            });
  }

  private void timedOut(IpAddress client, String domain) {
    metrics.add(CHECKS, 1, "timeout", "false");
    long now = System.nanoTime();
    if (now - lastTimeoutLog > TimeUnit.MINUTES.toNanos(1)) {
      lastTimeoutLog = now;
      log.warn(
          "SPF for {} from {}: no result within the DNS budget of {} ms; the triplet is keyed by"
              + " the client",
          domain,
          client,
          budget.toMillis());
    }
  }

  private void evictExpired() {
    long now = System.nanoTime();
    cache.values().removeIf(c -> c.expiresNanos - now <= 0);
    if (cache.size() >= CACHE_LIMIT) cache.clear();
  }

  /** The envelope sender's domain, lower case, or null for a null sender or no domain. */
  static String senderDomain(String sender) {
    if (sender == null) return null;
    int at = sender.lastIndexOf('@');
    if (at < 0 || at == sender.length() - 1) return null;
    return sender.substring(at + 1).toLowerCase(Locale.ROOT);
  }
}
