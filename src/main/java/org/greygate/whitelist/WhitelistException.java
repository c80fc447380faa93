package org.greygate.whitelist;

import java.nio.file.Path;

/** A whitelist file could not be used; the message names the file and line. */
public final class WhitelistException extends org.greygate.config.ConfigurationException {
  public WhitelistException(Path file, int line, String problem) {
    super(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem);
  }
}
