package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.app.DaemonSettings;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The documentation of the daemon's options agrees with their declarations ({@link
 * DaemonSettings#ALL}): the options tables (README.md's "Options", with docs/multi-mx.md's for the
 * Redis options and docs/outbound.md's for the queue watch, which README points to), the shipped
 * config/greygate.conf, and the command model the man page and bash completion are generated from.
 * Each fails when a document names an option that is not declared, leaves out one that is, or
 * states another default.
 */
class SettingsDocumentedTest {
  /** serve's own options, not settings: documented, but declared by the command. */
  static final Set<String> SERVE_OWN = Set.of("--config", "--start-only", "--help", "--version");

  /** check's own options besides serve's: the context it asks for. */
  static final Set<String> CHECK_OWN = Set.of("--policy-context");

  static final List<Path> TABLES =
      List.of(Path.of("README.md"), Path.of("docs/multi-mx.md"), Path.of("docs/outbound.md"));

  static final Pattern OPTION = Pattern.compile("`(--?[a-z0-9][a-z0-9-]*)");

  /** Declared names and aliases, each to its setting. */
  static Map<String, Setting<?>> declared() {
    Map<String, Setting<?>> out = new LinkedHashMap<>();
    for (Setting<?> s : DaemonSettings.ALL) {
      out.put(s.option(), s);
      for (String a : s.aliases()) out.put(a, s);
    }
    return out;
  }

  /** A row of an options table: the options its first cell names, and its default cell. */
  record Row(Path file, int line, List<String> options, String defaultCell) {}

  /** The rows of the tables whose header starts "| Option | Default" (README from "## Options"). */
  static List<Row> rows(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<Row> rows = new ArrayList<>();
    boolean inTable = false;
    boolean readme = file.getFileName().toString().equals("README.md");
    boolean inOptions = !readme;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (readme && l.startsWith("## ")) inOptions = l.equals("## Options");
      if (!inOptions) continue;
      if (l.toLowerCase(java.util.Locale.ROOT).startsWith("| option | default |")) {
        inTable = true;
        continue;
      }
      if (!l.startsWith("|")) {
        inTable = false;
        continue;
      }
      if (!inTable || l.startsWith("|---")) continue;
      String[] cells = l.split("(?<!\\\\)\\|", -1);
      List<String> options = new ArrayList<>();
      Matcher m = OPTION.matcher(cells[1]);
      while (m.find()) options.add(m.group(1));
      rows.add(new Row(file, i + 1, options, cells[2].strip()));
    }
    return rows;
  }

  @Test
  void theOptionsTablesNameEveryDeclaredSettingAndNoOtherWithItsDefault() throws IOException {
    Map<String, Setting<?>> declared = declared();
    List<String> problems = new ArrayList<>();
    Set<Setting<?>> documented = new java.util.HashSet<>();
    for (Path file : TABLES) {
      List<Row> rows = rows(file);
      assertTrue(!rows.isEmpty(), file + ": no options table found");
      for (Row row : rows) {
        String where = row.file() + ":" + row.line() + ": ";
        for (String o : row.options()) {
          Setting<?> s = declared.get(o);
          if (s != null) documented.add(s);
          else if (!SERVE_OWN.contains(o)) problems.add(where + o + " is not a declared setting");
        }
        if (row.options().size() != 1) continue;
        Setting<?> s = declared.get(row.options().get(0));
        if (s == null || s.defaultText() == null) continue;
        String shown = row.defaultCell().replace("`", "");
        if (!shown.equals(s.defaultText()) && !shown.startsWith(s.defaultText() + " ")) {
          problems.add(
              where
                  + s.option()
                  + "'s default is "
                  + s.defaultText()
                  + ", the table says "
                  + shown);
        }
      }
    }
    for (Setting<?> s : DaemonSettings.ALL) {
      if (!documented.contains(s)) problems.add(s.option() + " is in no options table");
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** {@code name}, {@code name = value}, commented out or not; prose does not match. */
  static final Pattern CONF_LINE =
      Pattern.compile("^#?\\s*([a-z0-9][a-z0-9-]*)(?:\\s*=\\s*(.*?))?\\s*$");

  @Test
  void theShippedConfigFileNamesEveryDeclaredSettingAndNoOtherWithItsDefault() throws IOException {
    Path conf = Path.of("config/greygate.conf");
    Map<String, Setting<?>> declared = declared();
    List<String> problems = new ArrayList<>();
    Set<Setting<?>> named = new java.util.HashSet<>();
    List<String> lines = Files.readAllLines(conf);
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = CONF_LINE.matcher(lines.get(i));
      if (!m.matches()) continue;
      String where = conf + ":" + (i + 1) + ": ";
      Setting<?> s = declared.get("--" + m.group(1));
      if (s == null) {
        problems.add(where + m.group(1) + " is not a declared setting");
        continue;
      }
      named.add(s);
      String value = m.group(2);
      if (value == null || s.defaultText() == null || s.kind() == Setting.Kind.FLAG) continue;
      if (!sameValue(s, value)) {
        problems.add(
            where + s.name() + "'s default is " + s.defaultText() + ", the file says " + value);
      }
    }
    for (Setting<?> s : DaemonSettings.ALL) {
      if (!named.contains(s)) problems.add(conf + " never names " + s.name());
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** Whether {@code text} means {@code s}'s default (2 days is 2, 0660 is 432). */
  static boolean sameValue(Setting<?> s, String text) {
    if (text.equals(s.defaultText())) return true;
    try {
      Object v = s.parseOne(text);
      Object d = s.defaultValue();
      return s.kind() == Setting.Kind.LIST
          ? d instanceof List<?> l && l.size() == 1 && Objects.equals(l.get(0), v)
          : Objects.equals(v, d);
    } catch (InvalidSetting e) {
      return false;
    }
  }

  /**
   * The man page and bash completion are generated from {@code GreygateCli}'s whole command tree:
   * its {@code serve} and {@code check} have an option for each declaration, named, labelled and
   * described by it, and nothing else besides their own.
   */
  @Test
  void theWholeCommandTreeTheManPageIsMadeFromHasEveryDeclaredOption() {
    CommandLine root = new CommandLine(new GreygateCli());
    for (String command : List.of("serve", "check")) {
      var spec = root.getSubcommands().get(command).getCommandSpec();
      for (Setting<?> s : DaemonSettings.ALL) {
        OptionSpec o = spec.findOption(s.option());
        assertTrue(o != null, command + " has no " + s.option());
        assertEquals(
            SettingOptions.description(s).replace("%%", "%"), o.description()[0], s.option());
        for (String a : s.aliases()) assertEquals(o, spec.findOption(a), a);
        if (s.label() != null) assertEquals(s.label(), o.paramLabel(), s.option());
      }
      for (OptionSpec o : spec.options()) {
        assertTrue(
            declared().containsKey(o.longestName())
                || SERVE_OWN.contains(o.longestName())
                || command.equals("check") && CHECK_OWN.contains(o.longestName())
                || o.longestName().equals("--config"),
            command + "'s " + o.longestName() + " is neither declared nor its own");
      }
    }
  }
}
