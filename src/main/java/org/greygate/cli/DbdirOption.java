package org.greygate.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --dbdir}, for the commands that read or change the database beside the daemon. */
final class DbdirOption {
  @Option(
      names = "--dbdir",
      paramLabel = "PATH",
      description = "Database directory (default: ${DEFAULT-VALUE}).")
  Path dbdir = DaemonOptions.DEFAULT_DBDIR;
}
