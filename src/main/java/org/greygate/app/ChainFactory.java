package org.greygate.app;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.greygate.config.ConfigurationException;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.feature.Stage;
import org.greygate.greylist.Greylisting;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.Policy;
import org.greygate.policy.PolicyChain;
import org.greygate.policy.PolicySet;
import org.greygate.policy.PolicySets;
import org.greygate.policy.RequestGate;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.WhitelistPolicy;
import org.greygate.whitelist.Whitelists;

/**
 * Builds the policy chain, the same for the daemon, {@code check}, tests and benchmarks: the
 * request gate, then each {@link Stage} in order: the features' outbound limits, the whitelists,
 * the features' recipient policy, client reputation and greylist keying, then the client
 * auto-whitelist and greylisting. Features add their policies through {@link Features}.
 */
public final class ChainFactory {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChainFactory.class);

  private ChainFactory() {}

  /**
   * The chain with every feature at its defaults (none switched on by settings): greylisting as
   * Postgrey does it, for tests and benchmarks.
   */
  public static PolicyChain create(
      PolicyConfig config,
      TripletStore store,
      Supplier<Whitelists> whitelists,
      KeyHasher hasher,
      Clock clock,
      Metrics metrics) {
    try {
      Assembler features =
          new Assembler(
                  Assembly.Use.CHECK,
                  Settings.DEFAULTS,
                  store,
                  metrics,
                  clock,
                  null,
                  whitelists,
                  false,
                  config.dns())
              .install(Features.ALL);
      return create(config, store, whitelists, features, hasher, clock, metrics, Duration.ZERO);
    } catch (ConfigurationException e) {
      throw new IllegalStateException("no feature reads a file at its defaults", e);
    }
  }

  /**
   * The chain with the policies the features installed in {@code features}.
   *
   * @param replyTimeout the reply deadline, after which the chain answers fail-open itself (zero:
   *     none, as in {@code check})
   */
  static PolicyChain create(
      PolicyConfig config,
      TripletStore store,
      Supplier<Whitelists> whitelists,
      Assembler features,
      KeyHasher hasher,
      Clock clock,
      Metrics metrics,
      Duration replyTimeout) {
    Greylisting greylisting =
        new Greylisting(
            config.greylist(),
            store,
            hasher,
            new RecentInstances(config.recentInstances()),
            config.zone(),
            config.version());
    RequestGate gate = new RequestGate();
    WhitelistPolicy whitelist = new WhitelistPolicy(whitelists);
    List<Policy> policies = new ArrayList<>();
    policies.add(gate);
    for (Stage stage : Stage.values()) {
      switch (stage) {
        case WHITELISTS -> policies.add(whitelist);
        case GREYLISTING -> policies.addAll(greylisting.policies());
        default -> policies.addAll(features.policies(stage));
      }
    }
    PolicyChain chain =
        new PolicyChain(
            policies,
            clock,
            config.trustTestTime(),
            config.failOpen(),
            metrics,
            store::countDecision,
            new DecisionLog(config.logFormat()),
            replyTimeout);
    List<PolicySetSettings.Declared> declared =
        features.settings().get(PolicySetSettings.POLICY_SET);
    if (declared.isEmpty()) return chain;
    Set<String> deciding = features.deciding();
    deciding.add(PolicySetSettings.WHITELISTS);
    deciding.add(PolicySetSettings.GREYLISTING);
    List<PolicySet> sets = new ArrayList<>();
    List<String> described = new ArrayList<>();
    for (PolicySetSettings.Declared d : declared) {
      Set<String> members = Set.copyOf(d.members());
      List<Policy> set = new ArrayList<>();
      set.add(gate); // every set answers only policy requests
      for (Stage stage : Stage.values()) {
        switch (stage) {
          case WHITELISTS -> {
            if (members.contains(PolicySetSettings.WHITELISTS)) set.add(whitelist);
          }
          case GREYLISTING -> {
            if (members.contains(PolicySetSettings.GREYLISTING)) {
              set.addAll(greylisting.policies());
            }
          }
          default -> set.addAll(features.policies(stage, members));
        }
      }
      sets.add(new PolicySet(d.name(), set));
      described.add(d.name() + " (" + String.join(", ", d.members()) + ")");
      for (String m : d.members()) {
        if (!deciding.contains(m)) {
          log.warn(
              "policy set {} names {}, which is off as configured (none of its options is given):"
                  + " it adds nothing to that set",
              d.name(),
              m);
        }
      }
    }
    String byDefault = features.settings().get(PolicySetSettings.DEFAULT_POLICY_SET);
    List<Policy> fallback = policies;
    for (PolicySet s : sets) if (s.name().equals(byDefault)) fallback = s.policies();
    if (features.use() == Assembly.Use.SERVE) {
      log.info(
          "policy sets by policy_context: {}; any other context: {}",
          String.join(", ", described),
          byDefault == null ? "every policy" : byDefault);
    }
    return chain.withPolicySets(new PolicySets(sets, fallback, metrics));
  }
}
