package org.greygate.store.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.RedisServer;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rediss:// against a real redis-server on TLS only, with certificates the test makes with openssl:
 * a CA, a server certificate for 127.0.0.1 and a client certificate the server requires.
 */
class RedisTlsIT {
  @TempDir Path dir;

  void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Requirements.program("openssl", "/usr/bin/openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("openssl " + String.join(" ", args) + ":\n" + out);
    }
  }

  void certificates() throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=greygate test CA");
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    for (String who : List.of("server", "client")) {
      openssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          who + ".key",
          "-out",
          who + ".csr",
          "-subj",
          "/CN=" + who);
      List<String> sign =
          new ArrayList<>(
              List.of(
                  "x509",
                  "-req",
                  "-in",
                  who + ".csr",
                  "-CA",
                  "ca.crt",
                  "-CAkey",
                  "ca.key",
                  "-CAcreateserial",
                  "-out",
                  who + ".crt",
                  "-days",
                  "2"));
      if (who.equals("server")) sign.addAll(List.of("-extfile", "server.ext"));
      openssl(sign.toArray(String[]::new));
    }
    // another CA, which signed nothing here
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other.key",
        "-out",
        "other.crt",
        "-days",
        "2",
        "-subj",
        "/CN=some other CA");
  }

  @Test
  void greylistsOverTlsWithAClientCertificateAndRefusesAWrongCa() throws Exception {
    certificates();
    int tlsPort = RedisServer.freePortForTests();
    try (RedisServer redis =
        RedisServer.launch(
            "--tls-port", Integer.toString(tlsPort),
            "--tls-cert-file", dir.resolve("server.crt").toString(),
            "--tls-key-file", dir.resolve("server.key").toString(),
            "--tls-ca-cert-file", dir.resolve("ca.crt").toString(),
            "--tls-auth-clients", "yes")) {
      String store = "--store=rediss://127.0.0.1:" + tlsPort;
      try (Daemon mx =
              Daemon.serve(
                  "--inet=127.0.0.1:0",
                  "--dbdir=" + dir.resolve("a"),
                  store,
                  "--redis-tls-ca=" + dir.resolve("ca.crt"),
                  "--redis-tls-cert=" + dir.resolve("client.crt"),
                  "--redis-tls-key=" + dir.resolve("client.key"));
          PolicyClient c = PolicyClient.tcp(mx.port())) {
        assertTrue(c.ask(TestPolicy.rcpt("tls@example.net")).startsWith("DEFER_IF_PERMIT"));
        assertTrue(mx.output().contains("triplets in rediss://127.0.0.1:" + tlsPort), mx.output());
      }
      assertEquals(
          ":1",
          redis.command("EXISTS", "greygate:t:192.0.2.0/a@example.org/tls@example.net"),
          "the triplet is in the TLS-only Redis");

      Daemon untrusted =
          Daemon.launch(
              "serve",
              "--inet=127.0.0.1:0",
              "--dbdir=" + dir.resolve("b"),
              store,
              "--redis-tls-ca=" + dir.resolve("other.crt"),
              "--redis-tls-cert=" + dir.resolve("client.crt"),
              "--redis-tls-key=" + dir.resolve("client.key"));
      assertEquals(1, untrusted.waitFor(30), untrusted.output());
      assertTrue(untrusted.output().contains("rediss://127.0.0.1:" + tlsPort), untrusted.output());
      assertTrue(untrusted.output().toLowerCase().contains("certif"), untrusted.output());

      Daemon noCert =
          Daemon.launch(
              "serve",
              "--inet=127.0.0.1:0",
              "--dbdir=" + dir.resolve("c"),
              store,
              "--redis-tls-ca=" + dir.resolve("ca.crt"));
      assertEquals(1, noCert.waitFor(30), noCert.output());
    }
  }
}
