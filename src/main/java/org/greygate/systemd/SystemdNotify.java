package org.greygate.systemd;

import java.nio.charset.StandardCharsets;
import jnr.ffi.LibraryLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the daemon is doing, for {@code Type=notify}: {@code READY=1} once it listens
 * (so units ordered after it, Postfix among them, start when answers can be had), {@code
 * RELOADING=1} around a reload, {@code STOPPING=1} at shutdown. The protocol is one datagram on the
 * unix socket named by {@code $NOTIFY_SOCKET}; the JDK has no unix datagram sockets, so libc is
 * called through jnr-ffi (already loaded for LMDB). Without {@code $NOTIFY_SOCKET} (not under
 * systemd) every call does nothing. A failure is logged once and never stops the daemon.
 */
public final class SystemdNotify {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);
  private static final int AF_UNIX = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SUN_PATH = 108;

  /** The few libc calls needed. Public for jnr-ffi's proxy, not for use elsewhere. */
  public interface LibC {
    int socket(int domain, int type, int protocol);

    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

    int close(int fd);
  }

  private final byte[] address;
  private final int addressLength;
  private LibC libc;
  private boolean failed;

  private SystemdNotify(String socket) {
    byte[] path = socket.getBytes(StandardCharsets.UTF_8);
    boolean isAbstract = socket.startsWith("@");
    if (path.length >= SUN_PATH) {
      throw new IllegalArgumentException("NOTIFY_SOCKET too long: " + socket);
    }
    // struct sockaddr_un: sa_family_t (host order: x86 and ARM are little-endian), then the path;
    // an abstract name starts with a NUL and has no terminating one
    address = new byte[2 + SUN_PATH];
    address[0] = (byte) AF_UNIX;
    System.arraycopy(path, 0, address, 2, path.length);
    if (isAbstract) address[2] = 0;
    addressLength = 2 + path.length + (isAbstract ? 0 : 1);
  }

  /** For {@code $NOTIFY_SOCKET}, or one that does nothing when it is unset or empty. */
  public static SystemdNotify fromEnvironment() {
    String socket = System.getenv("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) return new SystemdNotify();
    try {
      return new SystemdNotify(socket);
    } catch (IllegalArgumentException e) {
      log.warn("not telling systemd: {}", e.getMessage());
      return new SystemdNotify();
    }
  }

  private SystemdNotify() {
    address = null;
    addressLength = 0;
  }

  public void ready(String status) {
    send("READY=1\nSTATUS=" + status.replace('\n', ' '));
  }

  public void reloading() {
    send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
  }

  public void stopping() {
    send("STOPPING=1");
  }

  /** Sends one message; true when it went out (or there is nobody to tell). */
  synchronized boolean send(String message) {
    if (address == null || failed) return address == null;
    byte[] data = message.getBytes(StandardCharsets.UTF_8);
    try {
      if (libc == null) libc = LibraryLoader.create(LibC.class).load("c");
      int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) throw new IllegalStateException("socket() failed");
      try {
        if (libc.sendto(fd, data, data.length, 0, address, addressLength) != data.length) {
          throw new IllegalStateException("sendto() failed");
        }
      } finally {
        libc.close(fd);
      }
      return true;
    } catch (RuntimeException | LinkageError e) {
      failed = true;
      log.warn("cannot tell systemd ({}): {}", System.getenv("NOTIFY_SOCKET"), e.toString());
      return false;
    }
  }
}
