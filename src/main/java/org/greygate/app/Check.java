package org.greygate.app;

import java.nio.file.Files;
import java.time.Clock;
import org.greygate.config.ConfigurationException;
import org.greygate.config.InvalidSetting;
import org.greygate.feature.Assembly;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.PrivacySecret;
import org.greygate.store.TripletStore;
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

  private Check(TripletStore store, Assembler features, PolicyChain chain) {
    this.store = store;
    this.features = features;
    this.chain = chain;
  }

  /**
   * Opens the daemon's database beside it (an empty one when there is none yet) and builds the
   * chain.
   *
   * @throws ConfigurationException if a file (whitelist, rules) cannot be used
   * @throws InvalidSetting for {@code privacy} when the directory has no key to hash with
   * @throws org.greygate.store.StoreException if the database cannot be read
   */
  public static Check open(DaemonConfig config, Clock clock) throws ConfigurationException {
    Whitelists whitelists = config.whitelists().load();
    KeyHasher hasher = KeyHasher.PLAIN;
    if (config.privacy()) {
      if (!Files.isRegularFile(config.dbdir().resolve(PrivacySecret.FILE))) {
        throw new InvalidSetting(
            "privacy", "needs " + PrivacySecret.FILE + " in " + config.dbdir() + ", none there");
      }
      hasher = KeyHasher.hmac(PrivacySecret.loadOrCreate(config.dbdir()));
    }
    TripletStore store =
        Stores.open(
            new StoreLocation.Lmdb(config.dbdir()),
            Stores.Access.INSPECT,
            config.policy().greylist().expiry(),
            config.commitInterval());
    try {
      Assembler features =
          new Assembler(
                  Assembly.Use.CHECK,
                  config.settings(),
                  store,
                  Metrics.NONE,
                  clock,
                  config.dbdir(),
                  () -> whitelists,
                  config.policy().logFormat() == DecisionLog.Format.JSON,
                  config.policy().dns())
              .install(Features.ALL);
      PolicyChain chain =
          ChainFactory.create(
              config.policy(), store, () -> whitelists, features, hasher, clock, Metrics.NONE);
      return new Check(store, features, chain);
    } catch (ConfigurationException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The answer the daemon would give (the store's writes stay in memory). */
  public Outcome decide(PolicyRequest request) {
    return chain.decide(request).toCompletableFuture().join();
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
