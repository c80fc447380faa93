package org.greygate.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version baked in at build time. */
public final class Version implements CommandLine.IVersionProvider {
  public static String get() {
    try (InputStream in = Version.class.getResourceAsStream("/greygate-version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "dev";
  }

  @Override
  public String[] getVersion() {
    return new String[] {"greygate " + get()};
  }
}
