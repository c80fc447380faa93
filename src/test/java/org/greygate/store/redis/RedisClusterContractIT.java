package org.greygate.store.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.store.Expiry;
import org.greygate.store.StoreContract;
import org.greygate.store.TripletStore;
import org.greygate.testing.RedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The whole store contract against a real Redis Cluster (three masters, three replicas), each test
 * its prefix. The contract names no units, so every row is tagged by its own key: a triplet and a
 * client row land in different slots and the two-slot paths are the ones held here.
 */
class RedisClusterContractIT extends StoreContract {
  static RedisCluster cluster;
  static final AtomicInteger tests = new AtomicInteger();
  String prefix;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = RedisCluster.launch();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) cluster.close();
  }

  static RedisStore connect(RedisCluster cluster, String prefix) {
    return RedisStore.open(
        RedisStore.Settings.of(cluster.uri(), null, prefix, Duration.ofSeconds(5), 10_000, null),
        new Expiry(300, 35 * 86400, 2 * 86400));
  }

  @Override
  protected TripletStore open() {
    prefix = "contract" + tests.incrementAndGet() + ":";
    return connect(cluster, prefix);
  }

  @Override
  protected TripletStore reopen(TripletStore closed) {
    closed.close();
    return connect(cluster, prefix);
  }
}
