package org.greygate.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisServer;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a shared store the commands work on the store the daemon recorded, directly (a release is one
 * atomic step there, beside every daemon): a triplet greylisted on one MX host is listed, released
 * from the other host's state directory, and passes at its next attempt on the first.
 */
class ReleaseSharedStoreIT {
  @TempDir Path dir;
  RedisServer redis;

  @BeforeEach
  void startRedis() throws Exception {
    redis = RedisServer.launch();
  }

  @AfterEach
  void stopRedis() throws Exception {
    if (redis != null) redis.close();
  }

  Daemon mx(String name) throws Exception {
    return Daemon.serve(
        "--inet=127.0.0.1:0",
        "--dbdir=" + dir.resolve(name),
        "--store=" + redis.uri(),
        "--delay=3600",
        "--redis-prefix=gg:");
  }

  static Map<String, String> request(String sender, int n) {
    Map<String, String> m = TestPolicy.rcpt("alice@example.net");
    m.put("client_address", "192.0.2.7");
    m.put("sender", sender);
    m.put("instance", "i" + n);
    return m;
  }

  @Test
  void aTripletGreylistedOnOneHostIsListedAndReleasedFromTheOther() throws Exception {
    try (Daemon a = mx("a");
        Daemon b = mx("b");
        PolicyClient c = PolicyClient.tcp(a.port())) {
      assertTrue(c.ask(request("code@bank.example", 1)).startsWith("DEFER"));
      assertTrue(c.ask(request("news@list.example", 2)).startsWith("DEFER"));
      String dbB = "--dbdir=" + dir.resolve("b");

      Cli list = new Cli();
      assertEquals(0, list.run("greylisted", dbB), list.err.toString());
      String out = list.out.toString();
      assertTrue(out.contains("192.0.2.0"), out);
      assertTrue(out.contains("code@bank.example alice@example.net"), out);
      assertTrue(out.endsWith("2 waiting\n"), out);

      Cli none = new Cli();
      assertEquals(1, none.run("release", dbB, "--sender=@nowhere.example"), none.out.toString());
      assertTrue(none.err.toString().contains("nothing waiting matches"), none.err.toString());

      Cli release = new Cli();
      assertEquals(
          0, release.run("release", dbB, "--sender=@bank.example"), release.err.toString());
      assertTrue(
          release.out.toString().startsWith("released 1 waiting triplets in "),
          release.out.toString());
      assertFalse(c.ask(request("code@bank.example", 3)).startsWith("DEFER"));
      assertTrue(c.ask(request("news@list.example", 4)).startsWith("DEFER"));

      // the released one no longer waits
      Cli after = new Cli();
      assertEquals(0, after.run("greylisted", dbB), after.err.toString());
      assertFalse(after.out.toString().contains("code@bank.example"), after.out.toString());
      assertTrue(after.out.toString().endsWith("1 waiting\n"), after.out.toString());
    }
  }
}
