package org.greygate.app;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.greygate.config.ConfigurationException;
import org.greygate.config.Settings;
import org.greygate.dns.DnsClient;
import org.greygate.dns.DnsSettings;
import org.greygate.dns.Lookups;
import org.greygate.feature.ApiPage;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Stage;
import org.greygate.metrics.Metrics;
import org.greygate.policy.Policy;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.Whitelists;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The root's side of {@link Assembly}: installs every feature, then holds what they handed back
 * (policies by stage, resources, reload and start hooks, periodic tasks) for the root to wire.
 */
final class Assembler implements Assembly {
  private static final Logger log = LoggerFactory.getLogger(Assembler.class);

  private final Use use;
  private final Settings settings;
  private final TripletStore store;
  private final Metrics metrics;
  private final Clock clock;
  private final Path stateDirectory;
  private final Supplier<Whitelists> whitelists;
  private final boolean jsonLines;
  private final DnsSettings dnsSettings;
  private final Map<Stage, List<Member>> policies = new EnumMap<>(Stage.class);
  private final Resources resources = new Resources();
  private final List<Runnable> reloads = new ArrayList<>();
  private final List<Runnable> starts = new ArrayList<>();
  private final List<Periodic> periodic = new ArrayList<>();
  private final List<String> installed = new ArrayList<>();
  private final Map<String, ApiPage> apiGets = new java.util.LinkedHashMap<>();
  private final Map<String, ApiPage> apiPosts = new java.util.LinkedHashMap<>();
  private DnsClient dns;

  private record Periodic(Duration period, Runnable task) {}

  /** A policy and the policy-set name of the feature that added it. */
  private record Member(String feature, Policy policy) {}

  /** The feature being installed: its policies are its members in policy sets. */
  private String installing = "";

  Assembler(
      Use use,
      Settings settings,
      TripletStore store,
      Metrics metrics,
      Clock clock,
      Path stateDirectory,
      Supplier<Whitelists> whitelists,
      boolean jsonLines,
      DnsSettings dnsSettings) {
    this.use = use;
    this.settings = settings;
    this.store = store;
    this.metrics = metrics;
    this.clock = clock;
    this.stateDirectory = stateDirectory;
    this.whitelists = whitelists;
    this.jsonLines = jsonLines;
    this.dnsSettings = dnsSettings;
  }

  /**
   * Installs {@code features} in order. On failure, what was installed so far is closed.
   *
   * @throws ConfigurationException from the first feature whose file cannot be used
   */
  Assembler install(List<Feature> features) throws ConfigurationException {
    try {
      for (Feature f : features) {
        int before = count();
        installing = f.policyName();
        f.install(this);
        if (count() > before) installed.add(f.name());
      }
    } catch (ConfigurationException | RuntimeException e) {
      closeAll();
      throw e;
    }
    if (dns != null && use == Use.SERVE) {
      log.info(
          "DNS asked through {} within {} ms a request for {}",
          dns.servers(),
          dnsSettings.budget().toMillis(),
          String.join(", ", installed));
    }
    return this;
  }

  private int count() {
    int n =
        resources.size()
            + reloads.size()
            + starts.size()
            + periodic.size()
            + apiGets.size()
            + apiPosts.size();
    for (List<Member> p : policies.values()) n += p.size();
    return n;
  }

  /** The policies added at {@code stage}, in installation order. */
  List<Policy> policies(Stage stage) {
    List<Policy> out = new ArrayList<>();
    for (Member m : policies.getOrDefault(stage, List.of())) out.add(m.policy());
    return out;
  }

  /** The policies added at {@code stage} by the features named in {@code members}, in order. */
  List<Policy> policies(Stage stage, java.util.Set<String> members) {
    List<Policy> out = new ArrayList<>();
    for (Member m : policies.getOrDefault(stage, List.of())) {
      if (members.contains(m.feature())) out.add(m.policy());
    }
    return out;
  }

  /** The policy-set names of the features that added a policy. */
  java.util.Set<String> deciding() {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (List<Member> l : policies.values()) for (Member m : l) out.add(m.feature());
    return out;
  }

  /** Runs the features' reload hooks (SIGHUP). */
  void reload() {
    for (Runnable r : reloads) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.warn("reload failed", e);
      }
    }
  }

  /** Starts the features' background work on {@code housekeeping}. */
  void start(ScheduledExecutorService housekeeping) {
    for (Periodic p : periodic) {
      long ms = p.period().toMillis();
      housekeeping.scheduleWithFixedDelay(
          () -> {
            try {
              p.task().run();
            } catch (RuntimeException e) {
              // a periodic task that throws would be cancelled: log it and keep the schedule
              log.warn("background task failed", e);
            }
          },
          ms,
          ms,
          TimeUnit.MILLISECONDS);
    }
    for (Runnable r : starts) r.run();
  }

  /** The features' API pages answering GET and HEAD, by path. */
  Map<String, ApiPage> apiGets() {
    return Map.copyOf(apiGets);
  }

  /** The features' API pages answering POST, by path. */
  Map<String, ApiPage> apiPosts() {
    return Map.copyOf(apiPosts);
  }

  /** Closes what the features handed over, in reverse order. */
  void closeAll() {
    resources.closeAll();
  }

  @Override
  public Use use() {
    return use;
  }

  @Override
  public Settings settings() {
    return settings;
  }

  @Override
  public TripletStore store() {
    return store;
  }

  @Override
  public Metrics metrics() {
    return metrics;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public Path stateDirectory() {
    return stateDirectory;
  }

  @Override
  public Supplier<Whitelists> whitelists() {
    return whitelists;
  }

  @Override
  public boolean jsonLines() {
    return jsonLines;
  }

  @Override
  public Lookups dns() {
    if (dns == null) {
      dns = dnsSettings.client();
      resources.add(dns::close);
    }
    return dns;
  }

  @Override
  public Duration dnsBudget() {
    return dnsSettings.budget();
  }

  @Override
  public void policy(Stage stage, Policy policy) {
    if (stage == Stage.WHITELISTS || stage == Stage.GREYLISTING) {
      throw new IllegalArgumentException(stage + " is the daemon's own stage");
    }
    policies.computeIfAbsent(stage, s -> new ArrayList<>()).add(new Member(installing, policy));
  }

  @Override
  public void resource(AutoCloseable resource) {
    resources.add(resource);
  }

  @Override
  public void onReload(Runnable reload) {
    reloads.add(reload);
  }

  @Override
  public void onStart(Runnable start) {
    if (use == Use.SERVE) starts.add(start);
  }

  @Override
  public void every(Duration period, Runnable task) {
    if (use == Use.SERVE) periodic.add(new Periodic(period, task));
  }

  @Override
  public void apiPage(String path, boolean post, ApiPage page) {
    if (use == Use.SERVE) (post ? apiPosts : apiGets).put(path, page);
  }
}
