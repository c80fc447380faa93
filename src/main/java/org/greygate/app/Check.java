package org.greygate.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.greygate.config.ConfigurationException;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.greylist.GreylistSettings;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.PrivacySecret;
import org.greygate.store.StoreSettings;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.WhitelistSettings;
import org.greygate.whitelist.Whitelists;

/**
 * {@code check}'s daemon: the chain {@code serve} would build from the same configuration, every
 * feature installed (rate limits, DNS lists, SPF included), over the daemon's database read beside
 * it with writes kept in memory, so one answer changes nothing. No background work, nothing
 * watched.
 */
public final class Check implements AutoCloseable {
  private final TripletStore store;
  private final Assembler features;
  private final PolicyChain chain;
  private final boolean jsonLines;

  private Check(TripletStore store, Assembler features, PolicyChain chain, boolean jsonLines) {
    this.store = store;
    this.features = features;
    this.chain = chain;
    this.jsonLines = jsonLines;
  }

  /** Whether the daemon writes its decision lines as JSON. */
  public boolean jsonLines() {
    return jsonLines;
  }

  /**
   * Opens the daemon's database beside it (an empty one when there is none yet) and builds the
   * chain from {@code settings}, as {@code serve} would.
   *
   * @param version for the X-Greylist header's {@code %v}
   * @throws ConfigurationException if a file (whitelist, rules) cannot be used
   * @throws InvalidSetting when a setting is bad, or for {@code privacy} when the directory has no
   *     key to hash with
   * @throws org.greygate.store.StoreException if the database cannot be read
   */
  public static Check open(Settings settings, String version, Clock clock)
      throws ConfigurationException {
    PolicyConfig policy = PolicySettings.config(settings, version);
    Path dbdir = settings.get(StoreSettings.DBDIR);
    Whitelists whitelists = WhitelistSettings.source(settings).load();
    KeyHasher hasher = KeyHasher.PLAIN;
    if (settings.get(GreylistSettings.PRIVACY)) {
      if (!Files.isRegularFile(dbdir.resolve(PrivacySecret.FILE))) {
        throw new InvalidSetting(
            GreylistSettings.PRIVACY.name(), "needs " + PrivacySecret.FILE + " in " + dbdir);
      }
      hasher = KeyHasher.hmac(PrivacySecret.loadOrCreate(dbdir));
    }
    TripletStore store =
        Stores.open(
            new StoreLocation.Lmdb(dbdir),
            Stores.Access.INSPECT,
            policy.greylist().expiry(),
            Duration.ZERO);
    try {
      Assembler features =
          new Assembler(
                  Assembly.Use.CHECK,
                  settings,
                  store,
                  Metrics.NONE,
                  clock,
                  dbdir,
                  () -> whitelists,
                  policy.logFormat() == DecisionLog.Format.JSON,
                  policy.dns())
              .install(Features.ALL);
      PolicyChain chain =
          ChainFactory.create(
              policy,
              store,
              () -> whitelists,
              features,
              hasher,
              clock,
              Metrics.NONE,
              Duration.ZERO);
      return new Check(store, features, chain, policy.logFormat() == DecisionLog.Format.JSON);
    } catch (ConfigurationException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The answer the daemon would give (the store's writes stay in memory). */
  public Outcome decide(PolicyRequest request) {
    return chain.decide(request).toCompletableFuture().join();
  }

  /**
   * The policy set that answers {@code request} ({@code default} when its {@code policy_context}
   * names none), or null when no set is declared.
   */
  public String policySetOf(PolicyRequest request) {
    return chain.policySetOf(request);
  }

  /** Whether the store failed while deciding (the daemon would have answered fail-open). */
  public boolean storeFailed() {
    return chain.failures() > 0;
  }

  @Override
  public void close() {
    features.closeAll();
    store.close();
  }
}
