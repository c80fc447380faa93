package org.greygate.testing;

import java.io.File;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs a test needs. Missing ones skip the test on a developer machine (with the
 * reason) and fail it under CI=true, so CI never passes by skipping.
 */
public final class Requirements {
  private Requirements() {}

  public static String program(String name, String... candidates) {
    for (String c : candidates) {
      if (new File(c).canExecute()) {
        return c;
      }
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    String why = name + " is not installed (scripts/test installs it with apt-get)";
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
    return null;
  }

  /** The host has an IPv6 loopback (::1): skip on a developer machine without, fail under CI. */
  public static void ipv6Loopback() {
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress("::1", 0));
      return;
    } catch (java.io.IOException e) {
      String why = "this host has no IPv6 loopback (::1): " + e.getMessage();
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
  }

  /**
   * Root is needed ({@code why} says for what): skip on a developer machine, fail under CI=true.
   */
  public static void root(String why) {
    if (isRoot()) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(why);
    }
    Assumptions.abort(why);
  }

  public static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }
}
