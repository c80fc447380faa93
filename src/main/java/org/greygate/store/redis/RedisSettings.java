package org.greygate.store.redis;

import static org.greygate.config.InvalidSetting.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** How to reach a Redis store (password file, key prefix, TLS files), declared once. */
public final class RedisSettings {
  private RedisSettings() {}

  static final String GROUP = "Listening and limits";

  public static final Setting<Path> PASSWORD_FILE =
      Setting.value(
              "redis-password-file",
              "FILE",
              null,
              Values.PATH,
              "Read the Redis password from FILE (its first line), so it is not on the command"
                  + " line.")
          .inGroup(GROUP);

  public static final Setting<Path> TLS_CA =
      Setting.value(
              "redis-tls-ca",
              "FILE",
              null,
              Values.PATH,
              "With rediss://: trust the certificate authority in FILE (PEM) instead of the"
                  + " system's.")
          .inGroup(GROUP);

  public static final Setting<Path> TLS_CERT =
      Setting.value(
              "redis-tls-cert",
              "FILE",
              null,
              Values.PATH,
              "With rediss://: present this client certificate (PEM), for a server with"
                  + " tls-auth-clients; needs --redis-tls-key.")
          .inGroup(GROUP);

  public static final Setting<Path> TLS_KEY =
      Setting.value(
              "redis-tls-key",
              "FILE",
              null,
              Values.PATH,
              "The client certificate's private key (PEM, unencrypted PKCS#8).")
          .inGroup(GROUP);

  public static final Setting<String> PREFIX =
      Setting.value(
              "redis-prefix",
              "PREFIX",
              "greygate:",
              Values.TEXT,
              "Prefix of every Redis key greygate writes.")
          .inGroup(GROUP);

  public static final Setting<Integer> WAIT_REPLICAS =
      Setting.value(
              "redis-wait-replicas",
              "N",
              0,
              Values.INT,
              "Answer a triplet's first sighting only once N replicas of its Redis master hold the"
                  + " new row (Redis WAIT), so a failover cannot lose it (0 = off).")
          .inGroup(GROUP);

  /** In milliseconds. */
  public static final Setting<Long> WAIT_TIMEOUT =
      Setting.value(
              "redis-wait-timeout",
              "MILLISECONDS",
              100L,
              Values.LONG,
              "With --redis-wait-replicas: the longest wait for the replicas; the answer is given"
                  + " then anyway (logged). Keep it below --reply-timeout.")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(PASSWORD_FILE, TLS_CA, TLS_CERT, TLS_KEY, PREFIX, WAIT_REPLICAS, WAIT_TIMEOUT);

  /**
   * Fails when a Redis setting is given without a Redis store to apply it to.
   *
   * @throws InvalidSetting naming it
   */
  public static void requireUnused(Settings s) {
    for (Setting<?> r : ALL) {
      check(
          !s.given(r)
              || r == PREFIX && s.get(PREFIX).equals(PREFIX.defaultValue())
              || r == WAIT_REPLICAS && s.get(WAIT_REPLICAS) == 0
              || r == WAIT_TIMEOUT && s.get(WAIT_TIMEOUT).equals(WAIT_TIMEOUT.defaultValue()),
          r.name(),
          "needs a redis:// or redis-cluster:// store (--store)");
    }
  }

  /**
   * The store settings for {@code url}.
   *
   * @param urlSetting the name of the setting that gave the URL ({@code store}), for errors
   * @throws InvalidSetting naming the setting at fault
   */
  public static RedisStore.Settings settings(
      Settings s, String urlSetting, String url, Duration timeout) {
    String password = null;
    Path passwordFile = s.get(PASSWORD_FILE);
    if (passwordFile != null) {
      try {
        List<String> lines = Files.readAllLines(passwordFile);
        password = lines.isEmpty() ? "" : lines.get(0).strip();
      } catch (IOException e) {
        throw new InvalidSetting(
            PASSWORD_FILE.name(), passwordFile + ": cannot read: " + e.getMessage());
      }
      check(!password.isEmpty(), PASSWORD_FILE.name(), passwordFile + ": the first line is empty");
    }
    String prefix = s.get(PREFIX);
    check(
        !prefix.isEmpty() && prefix.chars().noneMatch(c -> c <= ' ' || c == 0x7f),
        PREFIX.name(),
        "must be non-empty, without spaces or control characters");
    check(
        !RedisLocation.isCluster(url) || prefix.indexOf('{') < 0 && prefix.indexOf('}') < 0,
        PREFIX.name(),
        "must not contain '{' or '}' for a Redis Cluster: Redis would take them as the hash tag"
            + " of every key, putting all rows in one slot");
    Path ca = s.get(TLS_CA);
    Path cert = s.get(TLS_CERT);
    Path key = s.get(TLS_KEY);
    check((cert == null) == (key == null), TLS_CERT.name(), "and --redis-tls-key go together");
    for (Setting<Path> f : List.of(TLS_CA, TLS_CERT, TLS_KEY)) {
      Path file = s.get(f);
      check(file == null || Files.isReadable(file), f.name(), file + ": cannot read the file");
    }
    int replicas = s.get(WAIT_REPLICAS);
    long waitMillis = s.get(WAIT_TIMEOUT);
    check(
        replicas >= 0 && replicas <= RedisStore.Durability.MAX_REPLICAS,
        WAIT_REPLICAS.name(),
        "must be 0 (off) to " + RedisStore.Durability.MAX_REPLICAS);
    check(
        waitMillis >= 1 && waitMillis <= RedisStore.Durability.MAX_TIMEOUT.toMillis(),
        WAIT_TIMEOUT.name(),
        "must be 1 to " + RedisStore.Durability.MAX_TIMEOUT.toMillis() + " milliseconds");
    // a WAIT cut short by the client's own timeout would go on blocking its connection on the
    // server: the wait must end first
    check(
        replicas == 0 || waitMillis < timeout.toMillis(),
        WAIT_TIMEOUT.name(),
        "must be shorter than the store's command timeout, "
            + timeout.toMillis()
            + " ms (--reply-timeout, at least 1000 ms)");
    try {
      return RedisStore.Settings.of(
              url,
              password,
              prefix,
              timeout,
              10_000,
              ca != null || cert != null ? new RedisStore.Tls(ca, cert, key) : null)
          .withDurability(new RedisStore.Durability(replicas, Duration.ofMillis(waitMillis)));
    } catch (InvalidSetting e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(urlSetting, ": " + e.getMessage());
    }
  }
}
