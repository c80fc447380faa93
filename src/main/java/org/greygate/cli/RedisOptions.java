package org.greygate.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.store.redis.RedisStore;
import picocli.CommandLine.Option;

/** How to reach a Redis store: password file, key prefix, TLS files. For serve and db copy. */
final class RedisOptions {
  @Option(
      names = "--redis-password-file",
      paramLabel = "FILE",
      description =
          "Read the Redis password from FILE (its first line), so it is not on the command line.")
  Path passwordFile;

  @Option(
      names = "--redis-tls-ca",
      paramLabel = "FILE",
      description =
          "With rediss://: trust the certificate authority in FILE (PEM) instead of the system's.")
  Path tlsCa;

  @Option(
      names = "--redis-tls-cert",
      paramLabel = "FILE",
      description =
          "With rediss://: present this client certificate (PEM), for a server with tls-auth-clients; needs --redis-tls-key.")
  Path tlsCert;

  @Option(
      names = "--redis-tls-key",
      paramLabel = "FILE",
      description = "The client certificate's private key (PEM, unencrypted PKCS#8).")
  Path tlsKey;

  @Option(
      names = "--redis-prefix",
      paramLabel = "PREFIX",
      description = "Prefix of every Redis key greygate writes (default: ${DEFAULT-VALUE}).")
  String prefix = DEFAULT_PREFIX;

  static final String DEFAULT_PREFIX = "greygate:";

  /** Fails when a Redis option is given without a Redis store to apply it to. */
  void requireUnused() {
    String given =
        passwordFile != null
            ? "--redis-password-file"
            : tlsCa != null
                ? "--redis-tls-ca"
                : tlsCert != null
                    ? "--redis-tls-cert"
                    : tlsKey != null
                        ? "--redis-tls-key"
                        : !prefix.equals(DEFAULT_PREFIX) ? "--redis-prefix" : null;
    if (given != null) {
      throw new GreygateCli.UsageError(given + " needs a redis:// store (--store)");
    }
  }

  /** The settings for {@code url}; {@code option} names where the URL came from, for errors. */
  RedisStore.Settings settings(String option, String url, Duration timeout) {
    String password = null;
    if (passwordFile != null) {
      try {
        List<String> lines = Files.readAllLines(passwordFile);
        password = lines.isEmpty() ? "" : lines.get(0).strip();
      } catch (IOException e) {
        throw new GreygateCli.UsageError(
            "--redis-password-file " + passwordFile + ": cannot read: " + e.getMessage());
      }
      if (password.isEmpty()) {
        throw new GreygateCli.UsageError(
            "--redis-password-file " + passwordFile + ": the first line is empty");
      }
    }
    if (prefix.isEmpty() || prefix.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
      throw new GreygateCli.UsageError(
          "--redis-prefix must be non-empty, without spaces or control characters");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new GreygateCli.UsageError("--redis-tls-cert and --redis-tls-key go together");
    }
    for (Object[] f :
        new Object[][] {
          {"--redis-tls-ca", tlsCa}, {"--redis-tls-cert", tlsCert}, {"--redis-tls-key", tlsKey}
        }) {
      Path file = (Path) f[1];
      if (file != null && !Files.isReadable(file)) {
        throw new GreygateCli.UsageError(f[0] + " " + file + ": cannot read the file");
      }
    }
    boolean anyTls = tlsCa != null || tlsCert != null;
    try {
      return RedisStore.Settings.of(
          url,
          password,
          prefix,
          timeout,
          10_000,
          anyTls ? new RedisStore.Tls(tlsCa, tlsCert, tlsKey) : null);
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError(option + ": " + e.getMessage());
    }
  }
}
