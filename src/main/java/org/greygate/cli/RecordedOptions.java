package org.greygate.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options a running daemon was started with, kept beside its database as {@code
 * DBDIR/serve.options} (the {@code --config} format), so that {@code check --dbdir=DBDIR} answers
 * with the daemon's settings, not with the defaults: a triplet the daemon passed with {@code
 * --delay=2} must not come back {@code early-retry} from check's default of 300 s.
 */
final class RecordedOptions {
  static final String FILE = "serve.options";
  private static final Logger log = LoggerFactory.getLogger(RecordedOptions.class);

  private RecordedOptions() {}

  /** Writes the options {@code serve} was parsed with (after {@code --config}), atomically. */
  static void write(CommandSpec serve, Path dbdir) {
    List<String> lines = new ArrayList<>();
    lines.add("# written by 'greygate serve' at start: the options it runs with.");
    lines.add("# 'greygate check --dbdir=" + dbdir + "' reads them; do not edit.");
    CommandLine.ParseResult parsed = serve.commandLine().getParseResult();
    for (OptionSpec o : parsed.matchedOptions()) {
      if (o.usageHelp() || o.versionHelp()) continue;
      String name = o.longestName();
      if (o.arity().max() == 0) {
        lines.add(name);
        continue;
      }
      for (String v : o.originalStringValues()) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) continue;
        lines.add(name + "=" + quote(v));
      }
    }
    Path file = dbdir.resolve(FILE);
    Path tmp = dbdir.resolve(FILE + ".tmp");
    try {
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      log.warn("cannot record the daemon's options in {} (check will use its own): {}", file, e);
    }
  }

  /** Values keep leading and trailing blanks through the file's quotes. */
  private static String quote(String v) {
    return v.isEmpty() || !v.strip().equals(v) || v.startsWith("\"") || v.startsWith("'")
        ? "\"" + v + "\""
        : v;
  }

  /** The recorded file of {@code dbdir}, or null when the daemon never ran there. */
  static Path find(Path dbdir) {
    Path file = dbdir.resolve(FILE);
    return Files.isRegularFile(file) ? file : null;
  }
}
