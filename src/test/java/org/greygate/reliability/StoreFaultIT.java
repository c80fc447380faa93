package org.greygate.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.greygate.greylist.GreylistConfig;
import org.greygate.metrics.Metrics;
import org.greygate.policy.PolicyChain;
import org.greygate.server.PolicyServer;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database's file system fails under the daemon: it fills up, or turns read-only (what a kernel
 * does after an I/O error). Every request still gets an answer within the reply deadline —
 * greylisting goes on from memory while the write backlog has room, then the fail-open action — and
 * once the fault clears the daemon recovers by itself. A real tmpfs is mounted for this, so the
 * test needs root.
 */
class StoreFaultIT {
  static final long T = System.currentTimeMillis() / 1000;
  Path mount;
  LmdbStore store;
  PolicyChain service;
  PolicyServer server;
  SocketAddress address;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.program("mount", "/usr/bin/mount", "/bin/mount");
    Requirements.root("mounting a small tmpfs needs root");
    mount = Files.createTempDirectory("greygate-fault");
    sh("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString());
    store = LmdbStore.open(mount.resolve("db"), 1L << 20, 2000);
    service = TestPolicy.chain(store, GreylistConfig.builder().awlClients(0).build(), true);
    server = TestPolicy.loopbackServer(service, Duration.ofMillis(500), Metrics.NONE);
    address = server.start().get(0);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) server.close();
    if (store != null) {
      sh("mount", "-o", "remount,rw,size=64m", mount.toString());
      store.close();
    }
    if (mount != null) {
      sh("umount", mount.toString());
      Files.deleteIfExists(mount);
    }
  }

  static Map<String, String> request(int id, long time) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("request", "smtpd_access_policy");
    m.put("protocol_state", "RCPT");
    m.put("client_address", "10." + (id >> 16 & 255) + "." + (id >> 8 & 255) + ".1");
    m.put("client_name", "unknown");
    m.put("sender", "s" + id + "-" + "x".repeat(150) + "@example.org");
    m.put("recipient", "r@example.net");
    m.put("policy_test_time", Long.toString(time));
    return m;
  }

  /** Asks and checks the deadline; returns the answer. */
  String ask(PolicyClient c, Map<String, String> r) throws IOException {
    long t = System.nanoTime();
    String a = c.ask(r);
    long ms = (System.nanoTime() - t) / 1_000_000;
    assertTrue(ms < 1500, "answer took " + ms + " ms");
    assertTrue(a != null, "no answer");
    return a;
  }

  @Test
  void diskFullThenFreed() throws Exception {
    try (PolicyClient c = new PolicyClient(address)) {
      int failOpen = 0;
      int id = 0;
      for (; id < 30_000 && failOpen < 50; id++) {
        String a = ask(c, request(id, T));
        if (a.equals("DUNNO")) failOpen++;
        else assertTrue(a.startsWith("DEFER_IF_PERMIT"), a);
      }
      assertTrue(
          failOpen >= 50, "the full disk led to fail-open answers after " + id + " requests");
      assertTrue(service.failures() >= 50);
      // known triplets are still judged from memory/disk while writes fail
      sh("mount", "-o", "remount,size=64m", mount.toString());
      awaitRecovery(c, id);
      store.flush();
      assertTrue(
          store.tripletCount() > 2000, "backlog written after recovery: " + store.tripletCount());
    }
  }

  @Test
  void readOnlyDatabaseDirectoryAtStartIsRefusedWithTheReason() throws Exception {
    // A file system that is read-only from the start (remounting one under an open database
    // is refused by the kernel while LMDB holds its files open for writing; write failures at
    // run time take the same path as the full disk above).
    Path ro = Files.createTempDirectory("greygate-ro");
    try {
      sh("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", ro.toString());
      try (org.greygate.testing.Daemon d =
          org.greygate.testing.Daemon.launch(
              "serve", "--inet=127.0.0.1:0", "--dbdir=" + ro.resolve("db"))) {
        assertEquals(1, d.waitFor(20), d.output());
        assertTrue(
            d.output().contains("cannot create database directory " + ro.resolve("db")),
            d.output());
        assertTrue(d.output().contains("Read-only file system"), d.output());
      }
    } finally {
      sh("umount", ro.toString());
      Files.deleteIfExists(ro);
    }
  }

  /** New triplets are greylisted again (not failed open) within a few seconds. */
  void awaitRecovery(PolicyClient c, int fromId) throws Exception {
    long deadline = System.nanoTime() + 15_000_000_000L;
    int id = fromId + 100_000;
    while (System.nanoTime() < deadline) {
      if (ask(c, request(id++, T)).startsWith("DEFER_IF_PERMIT")) {
        return;
      }
      Thread.sleep(50);
    }
    fail("no recovery within 15 s after the fault cleared");
  }

  static void sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) fail(String.join(" ", cmd) + ": " + out);
  }
}
