package org.greygate.app;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.greygate.dns.Lookups;
import org.greygate.dnslist.DnsListPolicy;
import org.greygate.greylist.Greylisting;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyChain;
import org.greygate.policy.RequestGate;
import org.greygate.ratelimit.RateLimitPolicy;
import org.greygate.ratelimit.RateRules;
import org.greygate.spf.SpfEvaluator;
import org.greygate.spf.SpfGrouping;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.DomainPolicyStage;
import org.greygate.whitelist.WhitelistPolicy;
import org.greygate.whitelist.Whitelists;

/**
 * Builds the policy chain, the same for the daemon, {@code check}, tests and benchmarks: request
 * gate → outbound rate limits (END-OF-MESSAGE, DATA) → client/recipient whitelists → recipient
 * domain policy → DNS lists → SPF retry grouping → client auto-whitelist → greylist. A new policy
 * is one class and one line here.
 */
public final class ChainFactory {
  private ChainFactory() {}

  public static PolicyChain create(
      PolicyConfig config,
      TripletStore store,
      Supplier<Whitelists> whitelists,
      KeyHasher hasher,
      Clock clock,
      Metrics metrics) {
    return create(config, store, whitelists, () -> RateRules.NONE, hasher, clock, metrics);
  }

  /** The chain with outbound rate limits ({@code rules} is read per request: reloads apply). */
  public static PolicyChain create(
      PolicyConfig config,
      TripletStore store,
      Supplier<Whitelists> whitelists,
      Supplier<RateRules> rules,
      KeyHasher hasher,
      Clock clock,
      Metrics metrics) {
    return create(config, store, whitelists, rules, null, null, hasher, clock, metrics);
  }

  /**
   * The whole chain: with {@code dns} (null: none) the DNS lists of {@code config} are asked after
   * the whitelists, then SPF for retry grouping, before greylisting. SPF checks run on {@code
   * spfThreads}, never on the thread that asks (a network thread in the daemon).
   */
  public static PolicyChain create(
      PolicyConfig config,
      TripletStore store,
      Supplier<Whitelists> whitelists,
      Supplier<RateRules> rules,
      Lookups dns,
      Executor spfThreads,
      KeyHasher hasher,
      Clock clock,
      Metrics metrics) {
    Greylisting greylisting =
        new Greylisting(
            config.greylist(),
            store,
            hasher,
            new RecentInstances(config.recentInstances()),
            config.zone(),
            config.version());
    List<Policy> policies = new ArrayList<>();
    policies.add(new RequestGate());
    policies.add(new RateLimitPolicy(rules, store));
    policies.add(new WhitelistPolicy(whitelists));
    policies.add(new DomainPolicyStage(whitelists));
    if (dns != null && config.dnsLists().active()) {
      policies.add(new DnsListPolicy(config.dnsLists(), config.dns().budget(), dns, metrics));
    }
    if (dns != null && config.spfGrouping()) {
      policies.add(
          new SpfGrouping(new SpfEvaluator(dns, spfThreads), config.dns().budget(), metrics));
    }
    policies.addAll(greylisting.policies());
    return new PolicyChain(
        policies,
        clock,
        config.trustTestTime(),
        config.failOpen(),
        metrics,
        store::countDecision,
        new DecisionLog(config.logFormat()));
  }
}
