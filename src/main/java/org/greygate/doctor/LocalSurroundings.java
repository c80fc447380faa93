package org.greygate.doctor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.greygate.program.BoundedProgram;

/** The listeners tried with a connection, the files with their owners and modes. */
public final class LocalSurroundings implements Surroundings {
  private static final int CONNECT_MILLIS = 2000;

  @Override
  public String unreachable(Endpoint endpoint) {
    try {
      if (endpoint instanceof Endpoint.Tcp t) {
        try (Socket s = new Socket()) {
          s.connect(
              new InetSocketAddress(t.wildcard() ? "127.0.0.1" : t.host(), t.port()),
              CONNECT_MILLIS);
        }
      } else if (endpoint instanceof Endpoint.Local l) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
          c.connect(UnixDomainSocketAddress.of(l.path()));
        }
      }
      return null;
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
  }

  @Override
  public String unreadable(Path file, String user) {
    try {
      if (user == null || user.equals("root")) {
        return Files.isReadable(file) ? null : "not readable";
      }
      Set<String> groups = Set.of(groupsOf(user));
      Path abs = file.toAbsolutePath().normalize();
      for (Path dir = abs.getParent(); dir != null; dir = dir.getParent()) {
        if (!allowed(dir, user, groups, true)) return "it cannot enter " + dir;
      }
      return allowed(abs, user, groups, false)
          ? null
          : "its owner, group and mode keep " + user + " out";
    } catch (NoSuchFileException e) {
      return "no such file";
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  private static boolean allowed(Path p, String user, Set<String> groups, boolean enter)
      throws IOException {
    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
    Set<PosixFilePermission> m = a.permissions();
    if (a.owner().getName().equals(user)) {
      return m.contains(enter ? PosixFilePermission.OWNER_EXECUTE : PosixFilePermission.OWNER_READ);
    }
    if (groups.contains(a.group().getName())) {
      return m.contains(enter ? PosixFilePermission.GROUP_EXECUTE : PosixFilePermission.GROUP_READ);
    }
    return m.contains(enter ? PosixFilePermission.OTHERS_EXECUTE : PosixFilePermission.OTHERS_READ);
  }

  /** The user's groups, as {@code id -Gn USER} names them. */
  private static String[] groupsOf(String user) throws IOException {
    BoundedProgram p =
        BoundedProgram.start(List.of("id", "-Gn", "--", user), Duration.ofSeconds(5), "id");
    String out;
    try (InputStream in = p.stdout()) {
      out = new String(in.readNBytes(65_536), StandardCharsets.UTF_8).strip();
    }
    try {
      BoundedProgram.Outcome end = p.finish();
      if (end.exitCode() != 0) throw new IOException("no user " + user + " (" + end.errors() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out.isEmpty() ? new String[0] : out.split("\\s+");
  }

  /** Whether the system knows {@code user}. */
  public static boolean userExists(String user) {
    try {
      FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
