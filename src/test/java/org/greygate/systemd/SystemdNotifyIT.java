package org.greygate.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import org.greygate.testing.Daemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon tells systemd it is ready, reloading and stopping, on a real unix datagram socket
 * bound as systemd binds {@code $NOTIFY_SOCKET}.
 */
class SystemdNotifyIT {
  @TempDir Path dir;

  /** What systemd does with the socket: bind, then read datagrams. */
  public interface Receiver {
    int socket(int domain, int type, int protocol);

    int bind(int fd, byte[] addr, int addrlen);

    long recv(int fd, byte[] buf, long len, int flags);

    int close(int fd);
  }

  static final int MSG_DONTWAIT = 0x40;

  @Test
  void readyReloadingAndStoppingReachTheNotifySocket() throws Exception {
    Receiver libc = LibraryLoader.create(Receiver.class).load("c");
    Path socket = dir.resolve("notify");
    byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
    byte[] addr = new byte[110];
    addr[0] = 1; // AF_UNIX
    System.arraycopy(path, 0, addr, 2, path.length);
    int fd = libc.socket(1, 2, 0);
    assertTrue(fd >= 0);
    try {
      assertEquals(0, libc.bind(fd, addr, 2 + path.length + 1), "bind " + socket);
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Dlmdbjava.extract.dir=" + Daemon.jar().toAbsolutePath().getParent(),
              "-jar",
              Daemon.jar().toString(),
              "serve",
              "--inet=127.0.0.1:0",
              "--dbdir=" + dir.resolve("db"));
      pb.environment().put("NOTIFY_SOCKET", socket.toString());
      try (Daemon d = Daemon.start(pb)) {
        d.awaitLine("ready", 30);
        List<String> got = new ArrayList<>();
        String ready = next(libc, fd, got);
        assertTrue(ready.startsWith("READY=1\nSTATUS=greygate "), ready);
        assertTrue(ready.contains("listening on 127.0.0.1:"), ready);
        d.signal("HUP");
        assertTrue(next(libc, fd, got).startsWith("RELOADING=1\nMONOTONIC_USEC="), got.toString());
        assertTrue(next(libc, fd, got).startsWith("READY=1"), got.toString());
        d.signal("TERM");
        assertEquals("STOPPING=1", next(libc, fd, got));
        assertEquals(143, d.waitFor(20), d.output());
      }
    } finally {
      libc.close(fd);
    }
  }

  /** The next datagram, waiting up to 20 s. */
  static String next(Receiver libc, int fd, List<String> got) throws InterruptedException {
    byte[] buf = new byte[4096];
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      long n = libc.recv(fd, buf, buf.length, MSG_DONTWAIT);
      if (n > 0) {
        String m = new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        got.add(m);
        return m;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no notification within 20 s; got " + got);
  }
}
