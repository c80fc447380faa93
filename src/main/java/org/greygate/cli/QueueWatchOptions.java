package org.greygate.cli;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.queue.QueueWatchSettings;
import org.greygate.queue.spool.SpoolSettings;
import org.greygate.server.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The options of {@code queue-watch}: the queue watch's settings, as {@code serve --queue-watch}
 * takes them, and {@code --metrics}; made from their declarations.
 */
@Command // a mixin: picocli needs an annotation to take it; its options come from Options
final class QueueWatchOptions {
  static final List<Setting<?>> ALL = all();

  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** Adds the queue watch's options to the command that mixes these in. */
  static final class Options implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return SettingOptions.addTo(spec, ALL);
    }
  }

  Settings settings() {
    return SettingOptions.read(command, ALL);
  }

  private static List<Setting<?>> all() {
    List<Setting<?>> all = new ArrayList<>(QueueWatchSettings.ALL);
    all.addAll(SpoolSettings.ALL);
    all.add(ServerSettings.METRICS);
    return List.copyOf(all);
  }
}
