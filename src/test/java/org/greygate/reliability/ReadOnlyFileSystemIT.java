package org.greygate.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The database's ext4 file system hits an error and the kernel turns it read-only under the running
 * daemon (errors=remount-ro, triggered through ext4's trigger_fs_error). Answers keep coming within
 * the deadline: known triplets are still read, new ones greylisted from memory until the write
 * backlog is full, then the fail-open action. Such a file system stays read-only until it is
 * checked and mounted again, so recovery here is the admin's: after umount, e2fsck and mount, the
 * database opens and everything committed before the error is there and sound. Needs root and loop
 * devices.
 */
class ReadOnlyFileSystemIT {
  static final long T = System.currentTimeMillis() / 1000;
  Path work;
  Path image;
  Path mount;
  boolean mounted;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.program("mkfs.ext4", "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4");
    Requirements.root("loop-mounting an ext4 image needs root");
    work = Files.createTempDirectory("greygate-ext4");
    image = work.resolve("fs.img");
    mount = Files.createDirectories(work.resolve("mnt"));
    StoreFaultIT.sh("truncate", "-s", "64M", image.toString());
    StoreFaultIT.sh("mkfs.ext4", "-q", "-F", image.toString());
    mountImage();
  }

  void mountImage() throws Exception {
    StoreFaultIT.sh("mount", "-o", "loop,errors=remount-ro", image.toString(), mount.toString());
    mounted = true;
  }

  void unmountImage() throws Exception {
    StoreFaultIT.sh("umount", mount.toString());
    mounted = false;
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mounted) unmountImage();
    Files.deleteIfExists(image);
    Files.deleteIfExists(mount);
    Files.deleteIfExists(work);
  }

  @Test
  void fileSystemTurnsReadOnlyUnderTheDaemon() throws Exception {
    Path db = mount.resolve("db");
    LmdbStore store = LmdbStore.open(db, 1L << 20, 2000);
    PolicyChain service =
        TestPolicy.chain(store, GreylistConfig.builder().awlClients(0).build(), true);
    PolicyServer server = TestPolicy.loopbackServer(service, Duration.ofMillis(500), Metrics.NONE);
    SocketAddress address = server.start().get(0);
    try (PolicyClient c = new PolicyClient(address)) {
      for (int id = 0; id < 50; id++) {
        assertTrue(ask(c, StoreFaultIT.request(id, T)).startsWith("DEFER_IF_PERMIT"));
      }
      store.flush();

      String dev = findmnt();
      StoreFaultIT.sh("sh", "-c", "echo 1 > /sys/fs/ext4/" + dev + "/trigger_fs_error");

      assertEquals(
          "PREPEND",
          ask(c, StoreFaultIT.request(1, T + 301)).split(" ")[0],
          "known triplets still read");
      int failOpen = 0;
      for (int id = 1000; id < 10_000 && failOpen < 20; id++) {
        String a = ask(c, StoreFaultIT.request(id, T));
        if (a.equals("DUNNO")) failOpen++;
        else assertTrue(a.startsWith("DEFER_IF_PERMIT"), a);
      }
      assertTrue(failOpen >= 20, "fail-open once the write backlog is full");
      assertTrue(service.failures() >= 20);
    } finally {
      server.close();
      store.close(); // must not hang on the writes it cannot make
    }

    unmountImage();
    StoreFaultIT.sh("sh", "-c", "e2fsck -fy " + image + " >/dev/null; true");
    mountImage();
    try (LmdbStore again = LmdbStore.open(db)) {
      assertTrue(again.verify(T).clean(), again.verify(T).problems().toString());
      assertEquals(50, again.tripletCount(), "everything committed before the error is there");
      assertNotNull(
          org.greygate.testing.Rows.triplet(
              again, "10.0.0.0/s7-" + "x".repeat(150) + "@example.org/r@example.net"));
    }
  }

  String findmnt() throws Exception {
    Process p = new ProcessBuilder("findmnt", "-n", "-o", "SOURCE", mount.toString()).start();
    String src = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    return Path.of(src).getFileName().toString();
  }

  static String ask(PolicyClient c, java.util.Map<String, String> r) throws Exception {
    long t = System.nanoTime();
    String a = c.ask(r);
    long ms = (System.nanoTime() - t) / 1_000_000;
    assertTrue(ms < 1500, "answer took " + ms + " ms");
    assertNotNull(a, "no answer");
    return a;
  }
}
