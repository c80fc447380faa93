package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.greygate.store.redis.RedisLocation;
import org.greygate.store.redis.RedisStore;

/**
 * Any text as a store URL ({@code --store}): either it is refused with an {@link
 * IllegalArgumentException} naming what is wrong, or it names servers with a host and a port in
 * range; a cluster URL names every node it lists, all alike in TLS and password, and a prefix with
 * braces is refused for a cluster. Replayed from the committed corpus on every test run; fuzz with
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=RedisLocationFuzzTest -Djazzer.max_duration=3m}.
 */
class RedisLocationFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void storeUrl(byte[] input) {
    String url = new String(input, StandardCharsets.UTF_8);
    List<RedisURI> uris;
    try {
      uris = RedisLocation.parseAll(url, null);
    } catch (IllegalArgumentException e) {
      assertNotNull(e.getMessage());
      return;
    }
    assertFalse(uris.isEmpty(), url);
    boolean cluster = RedisLocation.isCluster(url);
    if (!cluster) assertEquals(1, uris.size(), url);
    for (RedisURI u : uris) {
      if (u.getSentinels().isEmpty()) {
        assertNotNull(u.getHost(), url);
        assertFalse(u.getHost().isEmpty(), url);
        assertTrue(u.getPort() >= 1 && u.getPort() <= 65535, url);
      }
      assertEquals(uris.get(0).isSsl(), u.isSsl(), url);
      if (cluster) assertEquals(0, u.getDatabase(), url);
    }
    if (cluster) {
      String hosts = url.strip().substring(url.strip().indexOf("://") + 3);
      hosts = hosts.substring(hosts.lastIndexOf('@') + 1); // a password may hold commas
      assertEquals(hosts.split(",", -1).length, uris.size(), url);
      try {
        RedisStore.Settings.of(url, null, "a{b}", Duration.ofSeconds(1), 1, null);
        throw new AssertionError("a cluster took a prefix with braces: " + url);
      } catch (IllegalArgumentException expected) {
        assertTrue(expected.getMessage().contains("'{' or '}'"), expected.getMessage());
      }
    }
  }
}
