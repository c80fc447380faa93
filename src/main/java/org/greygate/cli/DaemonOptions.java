package org.greygate.cli;

import org.greygate.app.DaemonConfig;
import org.greygate.app.DaemonSettings;
import org.greygate.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Every option of the daemon, shared by {@code serve} and {@code check} so that one configuration
 * file serves both and {@code check} answers as the daemon would: one option for each of {@link
 * DaemonSettings#ALL}, Postgrey's under the same names and defaults, made from the declarations
 * when the command's model is built (so {@code --help}, the man page and bash completion show
 * them). A bad value is refused under the option's name, as its package declared it.
 */
@Command // a mixin: picocli needs an annotation to take it; its options come from Options
final class DaemonOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** Adds the daemon's options to a command that mixes these in (its {@code modelTransformer}). */
  static final class Options implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return SettingOptions.addTo(spec, DaemonSettings.ALL);
    }
  }

  /** The daemon's settings as parsed (the configuration file's included). */
  Settings settings() {
    return SettingOptions.read(command, DaemonSettings.ALL);
  }

  /** The daemon's whole configuration, built once. */
  DaemonConfig daemonConfig(String version) {
    return DaemonConfig.of(settings(), version);
  }
}
