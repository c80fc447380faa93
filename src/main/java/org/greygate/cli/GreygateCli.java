package org.greygate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Suggestions;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code greygate} command line.
 *
 * <p>Exit codes: 0 success; 1 runtime failure (cannot bind, database in use or unreadable); 2 bad
 * usage or configuration (unknown option, bad value, broken whitelist file), with a one-line reason
 * on stderr.
 */
@Command(
    name = "greygate",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    modelTransformer = GreygateCli.FeatureCommands.class,
    description =
        "Postfix policy daemon: greylisting compatible with Postgrey, on an embedded LMDB store.",
    subcommands = {
      ServeCommand.class,
      CheckCommand.class,
      DoctorCommand.class,
      DbCommand.class,
      ReportCommand.class,
      QueueWatchCommand.class,
      BenchCommand.class,
      ResponderCommand.class,
      CommandLine.HelpCommand.class
    })
public final class GreygateCli implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static int run(String[] args) {
    return run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
  }

  /** Runs with the given streams (tests capture them). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLineFor(args);
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr()
              .println(
                  ex instanceof CommandLine.UnmatchedArgumentException u
                      ? unmatched(u)
                      : "greygate: " + ex.getMessage());
          c.getErr().println("Try '" + qualifiedName(c) + " --help'.");
          return EXIT_USAGE;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, r) -> {
          if (ex instanceof org.greygate.config.InvalidSetting s) {
            c.getErr().println("greygate: " + s.forOption());
            return EXIT_USAGE;
          }
          if (ex instanceof UsageError u) {
            c.getErr().println("greygate: " + u.getMessage());
            return EXIT_USAGE;
          }
          if (ex instanceof Failure f) {
            c.getErr().println("greygate: " + f.getMessage());
            return EXIT_FAILURE;
          }
          if (ex instanceof IllegalArgumentException) {
            c.getErr().println("greygate: " + ex.getMessage());
            return EXIT_USAGE;
          }
          throw ex;
        });
    try {
      return cl.execute(expandConfig(args, cl));
    } catch (UsageError e) {
      err.println("greygate: " + e.getMessage());
      return EXIT_USAGE;
    }
  }

  /**
   * The command line that parses {@code args}: when they name a subcommand (other than {@code
   * help}), the root with that one subcommand only. Picocli reads every option of every command it
   * is given by reflection before it parses; the whole tree costs a daemon's start about half a
   * second, and {@code serve} needs none of the other commands. Anything else (no subcommand, an
   * unknown one, {@code help}) gets the whole tree, so usage, suggestions and errors are the same.
   */
  static CommandLine commandLineFor(String[] args) {
    String word = null;
    for (String a : args) {
      if (!a.startsWith("-")) {
        word = a;
        break;
      }
    }
    if (word != null) {
      for (Class<?> c : GreygateCli.class.getAnnotation(Command.class).subcommands()) {
        Command command = c.getAnnotation(Command.class);
        if (command.name().equals(word) && c != CommandLine.HelpCommand.class) {
          // a CommandLine of its own, so its model transformer (the options made from
          // declarations) runs as it does when the whole tree is built
          return new CommandLine(new Root()).addSubcommand(word, new CommandLine(c));
        }
      }
      org.greygate.feature.Tool.Group group = ToolCommands.group(word);
      if (group != null) {
        return new CommandLine(new Root()).addSubcommand(word, ToolCommands.commandLine(group));
      }
    }
    return new CommandLine(new GreygateCli());
  }

  /** Adds the features' commands ({@code limits}), before {@code help}. */
  static final class FeatureCommands implements CommandLine.IModelTransformer {
    @Override
    public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
      CommandLine help = spec.removeSubcommand("help");
      for (org.greygate.feature.Tool.Group g : ToolCommands.groups()) {
        spec.addSubcommand(g.word(), ToolCommands.commandLine(g));
      }
      if (help != null) spec.addSubcommand("help", help);
      return spec;
    }
  }

  /** {@link GreygateCli} without its subcommands, for {@link #commandLineFor}. */
  @Command(name = "greygate", mixinStandardHelpOptions = true, versionProvider = Version.class)
  static final class Root implements Runnable {
    @Override
    public void run() {
      throw new IllegalStateException("greygate without a subcommand parses with GreygateCli");
    }
  }

  /**
   * {@code greygate}, {@code greygate serve}, {@code greygate db stats}: the command's full name.
   */
  static String qualifiedName(CommandLine command) {
    String name = command.getCommandName();
    for (CommandLine p = command.getParent(); p != null; p = p.getParent()) {
      name = p.getCommandName() + " " + name;
    }
    return name;
  }

  /**
   * What picocli could not place, in words, with the nearest name when one is close: "unknown
   * command 'reprot'; did you mean report?", "unknown option '--dely=300'; did you mean --delay?".
   */
  static String unmatched(CommandLine.UnmatchedArgumentException e) {
    CommandLine c = e.getCommandLine();
    List<String> words = e.getUnmatched();
    if (words.isEmpty()) return "greygate: " + e.getMessage();
    String word = words.get(0);
    CommandLine.Model.CommandSpec spec = c.getCommandSpec();
    String shown = org.greygate.logline.TerminalText.visible(word);
    if (word.startsWith("-") && word.length() > 1) {
      int eq = word.indexOf('=');
      String name = eq < 0 ? word : word.substring(0, eq);
      List<String> names = new ArrayList<>();
      for (String n : spec.optionsMap().keySet()) {
        if (n.startsWith("--") == name.startsWith("--")) names.add(n);
      }
      return "greygate: unknown option '" + shown + "'" + didYouMean(name, names);
    }
    if (!spec.subcommands().isEmpty()) {
      return qualifiedName(c)
          + ": unknown command '"
          + shown
          + "'"
          + didYouMean(word, spec.subcommands().keySet());
    }
    return "greygate: unexpected argument '" + shown + "'";
  }

  /** "; did you mean NAME?", or nothing when no name is close. */
  static String didYouMean(String typed, java.util.Collection<String> names) {
    String n = Suggestions.nearest(typed, names);
    return n == null ? "" : "; did you mean " + n + "?";
  }

  /** A configuration problem the admin must fix; exit code 2. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message);
    }
  }

  /**
   * The command cannot do its work (a database it may not read, none there yet); exit code 1, the
   * message on one line.
   */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Replaces {@code --config FILE} (serve and check) by the options in FILE, placed before the
   * other arguments. FILE holds one option a line, with or without the leading {@code --}: {@code
   * delay=300}, {@code --inet 10023}, {@code privacy}; {@code #} starts a comment. An option given
   * on the command line replaces the file's (all of its values, for a repeatable option such as
   * {@code --inet}).
   *
   * <p>{@code check} without {@code --config} reads the options the daemon recorded in its database
   * directory ({@link RecordedOptions}), so that it answers as the daemon would.
   */
  static String[] expandConfig(String[] args, CommandLine root) {
    List<String> in = List.of(args);
    int sub = -1;
    for (int i = 0; i < in.size(); i++) {
      if (!in.get(i).startsWith("-")) {
        sub = i;
        break;
      }
    }
    if (sub < 0 || !root.getSubcommands().containsKey(in.get(sub))) {
      return args;
    }
    String name = in.get(sub);
    CommandLine command = root.getSubcommands().get(name);
    CommandLine.Model.CommandSpec spec = command.getCommandSpec();
    if (spec.findOption("--config") == null) {
      return args;
    }
    List<String> before = new ArrayList<>(in.subList(0, sub + 1));
    List<String> fromFile = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    boolean configGiven = false;
    for (int i = sub + 1; i < in.size(); i++) {
      String a = in.get(i);
      String file = null;
      if (a.equals("--config")) {
        if (i + 1 >= in.size()) throw new UsageError("--config needs a FILE");
        file = in.get(++i);
      } else if (a.startsWith("--config=")) {
        file = a.substring("--config=".length());
      }
      if (file != null) {
        configGiven = true;
        fromFile.addAll(readConfig(Path.of(file), spec));
      } else {
        rest.add(a);
      }
    }
    if (!configGiven && (name.equals("check") || name.equals("doctor"))) {
      Path recorded = RecordedOptions.find(dbdirOf(rest, spec));
      if (recorded != null) fromFile.addAll(readConfig(recorded, spec));
    }
    java.util.Set<CommandLine.Model.OptionSpec> given = optionsIn(rest, spec);
    for (String f : fromFile) {
      if (!given.contains(optionOf(f, spec))) before.add(f);
    }
    before.addAll(rest);
    return before.toArray(String[]::new);
  }

  /**
   * The options named in command-line arguments: {@code --name}, {@code --name=value}, {@code -x},
   * {@code -xVALUE} and clusters of flags such as {@code -vq}. Values are told from options by
   * their form only, as picocli does.
   */
  private static java.util.Set<CommandLine.Model.OptionSpec> optionsIn(
      List<String> args, CommandLine.Model.CommandSpec spec) {
    java.util.Set<CommandLine.Model.OptionSpec> out = new java.util.HashSet<>();
    for (String a : args) {
      if (a.equals("--")) break;
      if (!a.startsWith("-") || a.equals("-")) continue;
      CommandLine.Model.OptionSpec o = optionOf(a, spec);
      if (o != null) {
        out.add(o);
        continue;
      }
      if (a.startsWith("--")) continue;
      // short options: -i10024 (attached value) or -vq (flags)
      for (int i = 1; i < a.length(); i++) {
        CommandLine.Model.OptionSpec s = spec.findOption(a.charAt(i));
        if (s == null) break;
        out.add(s);
        if (s.arity().max() > 0) break; // the rest is its value
      }
    }
    return out;
  }

  private static CommandLine.Model.OptionSpec optionOf(
      String arg, CommandLine.Model.CommandSpec spec) {
    int eq = arg.indexOf('=');
    return spec.findOption(eq < 0 ? arg : arg.substring(0, eq));
  }

  /** The --dbdir the arguments give, or the default. */
  private static Path dbdirOf(List<String> args, CommandLine.Model.CommandSpec spec) {
    Path dbdir = org.greygate.store.StoreSettings.DBDIR.defaultValue();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.startsWith("--dbdir=")) dbdir = Path.of(a.substring("--dbdir=".length()));
      else if (a.equals("--dbdir") && i + 1 < args.size()) dbdir = Path.of(args.get(i + 1));
    }
    return dbdir;
  }

  /**
   * Reads {@code value} with the option's converter (a setting's parser) here, where the file and
   * line are known, so a bad value in the file is refused naming both: {@code greygate.conf:12:
   * policy-set: set 'inbound': unknown policy 'greylist' ...}.
   */
  private static void checkValue(
      Path file, int n, String name, String value, CommandLine.Model.OptionSpec option) {
    CommandLine.ITypeConverter<?>[] converters = option.converters();
    if (converters == null || converters.length == 0) return;
    String split = option.splitRegex();
    String[] parts =
        split == null || split.isEmpty() ? new String[] {value} : value.split(split, -1);
    for (String part : parts) {
      try {
        converters[0].convert(part);
      } catch (CommandLine.TypeConversionException e) {
        throw new UsageError(file + ":" + n + ": " + name + ": " + e.getMessage());
      } catch (Exception e) {
        return; // not a setting's own converter: picocli reports it as it parses
      }
    }
  }

  static List<String> readConfig(Path file, CommandLine.Model.CommandSpec spec) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageError("--config " + file + ": cannot read: " + e.getMessage());
    }
    List<String> out = new ArrayList<>();
    int n = 0;
    for (String raw : lines) {
      n++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      int end = 0;
      while (end < line.length()
          && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '-')) end++;
      String name = line.substring(0, end);
      String value = null;
      String rest = line.substring(end).strip();
      if (rest.startsWith("=")) rest = rest.substring(1).strip();
      if (name.isEmpty()
          || end < line.length() && rest.isEmpty() && !line.substring(end).strip().equals("=")) {
        throw new UsageError(
            file + ":" + n + ": expected NAME=VALUE, NAME VALUE or NAME, got '" + line + "'");
      }
      if (!rest.isEmpty() || line.substring(end).strip().equals("=")) {
        value = rest;
        if (value.length() >= 2
            && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
      }
      String option = name.startsWith("-") ? name : "--" + name;
      CommandLine.Model.OptionSpec spec1 = spec.findOption(option);
      if (spec1 == null || option.equals("--config")) {
        List<String> names = new ArrayList<>();
        for (String o : spec.optionsMap().keySet()) {
          if (o.startsWith("--") && !o.equals("--config")) names.add(o.substring(2));
        }
        throw new UsageError(
            file + ":" + n + ": unknown option '" + name + "'" + didYouMean(name, names));
      }
      boolean flag = spec1.arity().max() == 0;
      if (flag && value != null) {
        throw new UsageError(file + ":" + n + ": option '" + name + "' takes no value");
      }
      if (!flag && value == null && spec1.arity().min() > 0) {
        throw new UsageError(file + ":" + n + ": option '" + name + "' needs a value");
      }
      if (value != null) checkValue(file, n, name, value, spec1);
      if (value == null && !flag) {
        // an optional value left out: spell out what picocli would take, so that the next
        // argument (an attribute of check, say) is not read as this option's value
        value = spec1.fallbackValue();
      }
      out.add(value == null ? option : option + "=" + value);
    }
    return out;
  }
}
