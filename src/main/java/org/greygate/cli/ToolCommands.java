package org.greygate.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.greygate.app.Features;
import org.greygate.app.StoreLocation;
import org.greygate.app.Stores;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Feature;
import org.greygate.feature.Tool;
import org.greygate.feature.ToolRun;
import org.greygate.greylist.GreylistSettings;
import org.greygate.store.StoreException;
import org.greygate.store.StoreSettings;
import org.greygate.store.TripletStore;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The features' commands ({@code greygate limits show}), made from their declarations: a command
 * for each feature's word, a subcommand for each tool, its options from its settings plus {@code
 * --dbdir}. The tool runs here with the store opened by the composition root; what it throws
 * becomes the documented exit codes.
 */
final class ToolCommands {
  private ToolCommands() {}

  /** Every feature's command group, in the order of the features. */
  static List<Tool.Group> groups() {
    List<Tool.Group> out = new ArrayList<>();
    for (Feature f : Features.ALL) out.addAll(f.toolGroups());
    return out;
  }

  /** The group named {@code word}, or null. */
  static Tool.Group group(String word) {
    for (Tool.Group g : groups()) if (g.word().equals(word)) return g;
    return null;
  }

  /** {@code greygate WORD}: asks for a subcommand; each tool its subcommand. */
  static CommandLine commandLine(Tool.Group group) {
    if (group.tools().size() == 1 && group.tools().get(0).name().equals(group.word())) {
      return tool(group.tools().get(0)); // a command of its own: greygate release
    }
    GroupAlone alone = new GroupAlone(group);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(alone);
    alone.spec = spec;
    spec.name(group.word()).mixinStandardHelpOptions(true).versionProvider(new Version());
    spec.usageMessage().description(group.description());
    CommandLine cl = new CommandLine(spec);
    for (Tool t : group.tools()) cl.addSubcommand(t.name(), tool(t));
    return cl;
  }

  /** {@code greygate WORD} alone: which subcommand? Usage on stderr, exit 2. */
  private static final class GroupAlone implements Callable<Integer> {
    private final Tool.Group group;
    CommandSpec spec;

    GroupAlone(Tool.Group group) {
      this.group = group;
    }

    @Override
    public Integer call() {
      CommandLine cl = spec.commandLine();
      List<String> names = new ArrayList<>();
      for (Tool t : group.tools()) names.add(t.name());
      cl.getErr()
          .println(
              "greygate "
                  + group.word()
                  + ": give a subcommand ("
                  + String.join(", ", names)
                  + ")");
      cl.usage(cl.getErr());
      return GreygateCli.EXIT_USAGE;
    }
  }

  private static CommandLine tool(Tool tool) {
    Runner runner = new Runner(tool);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(runner);
    runner.spec = spec;
    spec.name(tool.name()).mixinStandardHelpOptions(true);
    spec.usageMessage().description(tool.description().toArray(String[]::new));
    SettingOptions.addTo(spec, List.of(StoreSettings.DBDIR));
    SettingOptions.addTo(spec, tool.settings());
    Tool.Parameter p = tool.parameter();
    if (p != null) {
      spec.addPositional(
          PositionalParamSpec.builder()
              .paramLabel(p.label())
              .description(p.description())
              .arity(p.required() ? "1" : "0..1")
              .type(String.class)
              .build());
    }
    return new CommandLine(spec);
  }

  /** Runs one tool with what the command line parsed. */
  private static final class Runner implements Callable<Integer>, ToolRun {
    private final Tool tool;
    CommandSpec spec;
    private Settings settings;
    private Path dbdir;
    private String parameter;

    Runner(Tool tool) {
      this.tool = tool;
    }

    @Override
    public Integer call() throws Exception {
      Settings given = SettingOptions.read(spec, List.of(StoreSettings.DBDIR));
      dbdir = given.get(StoreSettings.DBDIR);
      settings = SettingOptions.read(spec, tool.settings());
      List<PositionalParamSpec> ps = spec.positionalParameters();
      parameter = ps.isEmpty() ? null : (String) ps.get(0).getValue();
      try {
        return tool.run(this);
      } catch (StoreException e) {
        err().println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
    }

    @Override
    public Settings settings() {
      return settings;
    }

    @Override
    public String parameter() {
      return parameter;
    }

    @Override
    public Path dbdir() {
      return dbdir;
    }

    @Override
    public void requireDatabase() {
      DbdirOption.requireDatabase(dbdir, false);
    }

    @Override
    public Settings recorded(List<Setting<?>> wanted) {
      return RecordedOptions.settings(dbdir, wanted);
    }

    @Override
    public Path recordedFile() {
      return dbdir.resolve(RecordedOptions.FILE);
    }

    @Override
    public PrintWriter out() {
      return spec.commandLine().getOut();
    }

    @Override
    public PrintWriter err() {
      return spec.commandLine().getErr();
    }

    @Override
    public Clock clock() {
      return Clock.systemUTC();
    }

    @Override
    public TripletStore inspect() {
      return open(Stores.Access.INSPECT);
    }

    @Override
    public TripletStore openForWriting() {
      return open(Stores.Access.TOOL);
    }

    @Override
    public String sharedStore() {
      StoreLocation shared = shared();
      return shared == null ? null : shared.describe();
    }

    @Override
    public TripletStore openShared() {
      StoreLocation shared = shared();
      if (shared == null) throw new IllegalStateException("no shared store recorded");
      return Stores.open(
          shared,
          Stores.Access.TOOL,
          GreylistSettings.expiry(recorded(GreylistSettings.TIMES)),
          Duration.ZERO);
    }

    /** The shared store the daemon recorded, reached as it recorded it; null when none. */
    private StoreLocation shared() {
      List<Setting<?>> wanted = new ArrayList<>(Stores.SHARED_STORE_SETTINGS);
      wanted.add(StoreSettings.STORE);
      Settings s = recorded(wanted);
      String where = s.get(StoreSettings.STORE);
      if (where == null || !StoreLocation.isShared(where)) return null;
      return StoreLocation.of(where, "store", s, Duration.ofSeconds(10));
    }

    private TripletStore open(Stores.Access access) {
      // the daemon's times give a network store's rows their lifetimes; LMDB ignores them
      return Stores.open(
          new StoreLocation.Lmdb(dbdir),
          access,
          GreylistSettings.expiry(recorded(GreylistSettings.TIMES)),
          Duration.ZERO);
    }
  }
}
