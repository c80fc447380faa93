package org.greygate.store.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.greygate.store.Expiry;
import org.greygate.store.StoreContract;
import org.greygate.store.TripletStore;
import org.greygate.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared store runs the whole contract against a real redis-server, each test its prefix. */
class RedisStoreContractIT extends StoreContract {
  static RedisServer server;
  static final AtomicInteger tests = new AtomicInteger();
  String prefix;

  @BeforeAll
  static void startRedis() throws Exception {
    server = RedisServer.launch();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (server != null) server.close();
  }

  static RedisStore connect(String prefix) {
    return RedisStore.open(
        new RedisStore.Settings(
            RedisURI.create(server.uri()), prefix, Duration.ofSeconds(5), 10_000),
        new Expiry(300, 35 * 86400, 2 * 86400));
  }

  @Override
  protected TripletStore open() {
    prefix = "contract" + tests.incrementAndGet() + ":";
    return connect(prefix);
  }

  @Override
  protected TripletStore reopen(TripletStore closed) {
    closed.close();
    return connect(prefix);
  }
}
