package org.greygate.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.greygate.logline.LineFormat;
import org.greygate.metrics.Meter;
import org.greygate.metrics.Metrics;
import org.greygate.protocol.PolicyRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy sets a request is answered by, chosen by its {@code policy_context} attribute with one
 * map lookup: a declared set's name picks that set; an empty, absent or unknown context gets the
 * default set (logged and counted as {@value #DEFAULT}).
 *
 * <p>An unknown context is logged once per value, for the first {@value #MAX_LOGGED_UNKNOWN}
 * values, then no more (a client can send any number of names); every one is counted ({@link
 * #UNKNOWN}). Thread-safe.
 */
public final class PolicySets {
  private static final Logger log = LoggerFactory.getLogger(PolicySets.class);

  /** How the requests that match no declared set are named in the log and the metrics. */
  public static final String DEFAULT = "default";

  /** Unknown context values logged one by one; past them, one last line and only the counter. */
  static final int MAX_LOGGED_UNKNOWN = 32;

  /** Longest unknown value written in the log (the rest is cut). */
  static final int MAX_LOGGED_LENGTH = 64;

  /** Decisions by the set that made them; labels: the declared names and {@value #DEFAULT}. */
  public static final Meter DECISIONS =
      Meter.counter(
          "greygate_policy_set_decisions_total",
          "Decisions by the policy set (policy_context) that made them",
          "set");

  /** Requests whose non-empty policy_context named no declared set. */
  public static final Meter UNKNOWN =
      Meter.counter(
          "greygate_policy_context_unknown_total",
          "Requests whose policy_context named no declared policy set (answered by the default"
              + " set)");

  /** A set with its metric label, made once. */
  record Chosen(PolicySet set, String[] label) {}

  private final Map<String, Chosen> byName;
  private final Chosen fallback;
  private final Metrics metrics;
  private final Set<String> loggedUnknown = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean stoppedLogging = new AtomicBoolean();

  /**
   * @param sets the declared sets, by name
   * @param fallback the policies of the requests that match none (named {@value #DEFAULT})
   */
  public PolicySets(List<PolicySet> sets, List<Policy> fallback, Metrics metrics) {
    Map<String, Chosen> map = new HashMap<>();
    for (PolicySet s : sets) {
      if (s.name().equals(DEFAULT)) {
        throw new IllegalArgumentException("'" + DEFAULT + "' names the requests of no set");
      }
      if (map.put(s.name(), new Chosen(s, new String[] {s.name()})) != null) {
        throw new IllegalArgumentException("policy set '" + s.name() + "' declared twice");
      }
    }
    this.byName = Map.copyOf(map);
    this.fallback = new Chosen(new PolicySet(DEFAULT, fallback), new String[] {DEFAULT});
    this.metrics = metrics;
    metrics.declare(DECISIONS);
    metrics.declare(UNKNOWN);
  }

  /** The declared sets' names. */
  public Set<String> names() {
    return byName.keySet();
  }

  /** The set that answers {@code request}: no allocation, one lookup. */
  Chosen choose(PolicyRequest request) {
    String context = request.get("policy_context");
    if (context == null || context.isEmpty()) return fallback;
    Chosen c = byName.get(context);
    if (c != null) return c;
    unknown(context);
    return fallback;
  }

  /** The name of the set that answers {@code request} ({@value #DEFAULT} when none matches). */
  public String nameFor(PolicyRequest request) {
    String context = request.get("policy_context");
    Chosen c = context == null ? null : byName.get(context);
    return c == null ? DEFAULT : c.set().name();
  }

  /** Counts a decision made by {@code chosen}. */
  void decided(Chosen chosen) {
    metrics.add(DECISIONS, 1, chosen.label());
  }

  private void unknown(String context) {
    metrics.add(UNKNOWN, 1);
    if (stoppedLogging.get() || loggedUnknown.contains(context)) return;
    if (loggedUnknown.size() >= MAX_LOGGED_UNKNOWN) {
      if (stoppedLogging.compareAndSet(false, true)) {
        log.warn(
            "{} unknown policy_context values logged; further ones are answered by the default"
                + " set without a line (counted in {})",
            MAX_LOGGED_UNKNOWN,
            UNKNOWN.name());
      }
      return;
    }
    if (loggedUnknown.add(context)) {
      String shown =
          context.length() > MAX_LOGGED_LENGTH
              ? LineFormat.clean(context.substring(0, MAX_LOGGED_LENGTH)) + "..."
              : LineFormat.clean(context);
      log.warn(
          "policy_context '{}' ({} characters) names no policy set (declared: {}): answered by the"
              + " default set; logged once",
          shown,
          context.length(),
          String.join(", ", new java.util.TreeSet<>(byName.keySet())));
    }
  }
}
