package org.greygate.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.files.PrivateFiles;
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
    // a repeatable option is matched once per occurrence, each match holding all its values
    for (OptionSpec o : new java.util.LinkedHashSet<>(parsed.matchedOptions())) {
      if (o.usageHelp() || o.versionHelp()) continue;
      String name = o.longestName();
      if (o.arity().max() == 0) {
        lines.add(name);
        continue;
      }
      for (String v : o.originalStringValues()) {
        if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) continue;
        lines.add(name + "=" + quote(withoutPassword(v)));
      }
    }
    Path file = dbdir.resolve(FILE);
    try {
      // a new file at a random name renamed over the old: nothing planted there is followed
      PrivateFiles.replace(
          file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      log.warn(
          "cannot record the daemon's options in {} (check will use its own): {}",
          file,
          PrivateFiles.reason(e));
    }
  }

  /**
   * A URL's password is never written down ({@code redis://:SECRET@host} is recorded as {@code
   * redis://:(not-recorded)@host}): check does not need it, and a file is easier to leak than a
   * process's arguments. Lettuce reads a user part without a colon as the password, so that is
   * hidden too.
   */
  static String withoutPassword(String value) {
    int scheme = value.indexOf("://");
    if (scheme < 0) return value;
    int start = scheme + 3;
    int slash = value.indexOf('/', start);
    int end = slash < 0 ? value.length() : slash;
    int at = value.lastIndexOf('@', end - 1);
    if (at < start) return value;
    String user = value.substring(start, at);
    int colon = user.indexOf(':');
    String kept = colon < 0 ? "" : user.substring(0, colon + 1);
    return value.substring(0, start) + kept + HIDDEN + value.substring(at);
  }

  static final String HIDDEN = "(not-recorded)";

  /** Values keep leading and trailing blanks through the file's quotes. */
  private static String quote(String v) {
    return v.isEmpty() || !v.strip().equals(v) || v.startsWith("\"") || v.startsWith("'")
        ? "\"" + v + "\""
        : v;
  }

  /**
   * The value the daemon recorded for {@code option} ({@code "--rules"}), or null: not recorded,
   * the daemon never ran there, or the file cannot be read.
   */
  static String value(Path dbdir, String option) {
    Path file = find(dbdir);
    if (file == null) return null;
    String text;
    try {
      text = new String(PrivateFiles.readSmall(file, 1 << 20), StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.debug("cannot read {}: {}", file, PrivateFiles.reason(e));
      return null;
    }
    String value = null;
    for (String line : text.split("\n")) {
      if (!line.startsWith(option + "=")) continue;
      String v = line.substring(option.length() + 1);
      value =
          v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
              ? v.substring(1, v.length() - 1)
              : v;
    }
    return value;
  }

  /**
   * The values of {@code wanted} the daemon recorded in {@code dbdir}, read by their declarations;
   * none when the daemon never ran there or the file cannot be read. A recorded value the
   * declaration no longer takes is left out (logged): the command then uses the default.
   */
  static Settings settings(Path dbdir, List<Setting<?>> wanted) {
    Settings.Builder b = Settings.builder();
    Path file = find(dbdir);
    if (file == null) return b.build();
    String text;
    try {
      text = new String(PrivateFiles.readSmall(file, 1 << 20), StandardCharsets.UTF_8);
    } catch (IOException e) {
      log.debug("cannot read {}: {}", file, PrivateFiles.reason(e));
      return b.build();
    }
    for (String line : text.split("\n")) {
      if (!line.startsWith("-")) continue;
      int eq = line.indexOf('=');
      String name = eq < 0 ? line : line.substring(0, eq);
      for (Setting<?> s : wanted) {
        if (!s.option().equals(name) && !s.aliases().contains(name)) continue;
        String v = eq < 0 ? s.fallback() : unquote(line.substring(eq + 1));
        if (v == null && s.kind() != Setting.Kind.FLAG) continue;
        try {
          b.add(s, v);
        } catch (InvalidSetting e) {
          log.debug("{}: {} not used: {}", file, name, e.getMessage());
        }
      }
    }
    return b.build();
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
        ? v.substring(1, v.length() - 1)
        : v;
  }

  /** The recorded file of {@code dbdir}, or null when the daemon never ran there. */
  static Path find(Path dbdir) {
    Path file = dbdir.resolve(FILE);
    return Files.isRegularFile(file) ? file : null;
  }
}
