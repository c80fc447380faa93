package org.greygate.cli;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Picocli options made from {@link Setting} declarations, and the {@link Settings} read back from a
 * parse: the command line, the configuration file (which {@link GreygateCli#readConfig} reads
 * through these options), {@code --help}, the man page and bash completion all come from the one
 * declaration of each setting. A value is read by its setting's parser as picocli converts it, so a
 * malformed one is refused at parse time ("Invalid value for option '--delay': ...").
 */
final class SettingOptions {
  private SettingOptions() {}

  /** Adds an option for each of {@code settings} to {@code spec}. */
  static CommandSpec addTo(CommandSpec spec, List<Setting<?>> settings) {
    for (Setting<?> s : settings) spec.addOption(option(s));
    return spec;
  }

  static OptionSpec option(Setting<?> s) {
    List<String> names = new ArrayList<>();
    for (String a : s.aliases()) if (!a.startsWith("--")) names.add(a);
    names.add(s.option());
    for (String a : s.aliases()) if (a.startsWith("--")) names.add(a);
    OptionSpec.Builder b =
        OptionSpec.builder(names.toArray(String[]::new)).description(description(s));
    CommandLine.ITypeConverter<Object> converter =
        text -> {
          try {
            return s.parseOne(text);
          } catch (InvalidSetting e) {
            throw new CommandLine.TypeConversionException(e.problem());
          }
        };
    switch (s.kind()) {
      case FLAG -> b.type(boolean.class).arity("0");
      case VALUE -> {
        b.type(Object.class).paramLabel(s.label()).converters(converter);
        if (s.fallback() != null) b.arity("0..1").fallbackValue(s.fallback());
        else b.arity("1");
      }
      case LIST -> {
        b.type(List.class)
            .auxiliaryTypes(Object.class)
            .paramLabel(s.label())
            .converters(converter)
            .arity("1");
        if (s.split() != null) b.splitRegex(s.split());
      }
    }
    return b.build();
  }

  /** The doc line, with the default before its full stop; picocli's format characters escaped. */
  static String description(Setting<?> s) {
    String doc = s.doc();
    if (s.defaultText() != null) {
      boolean stop = doc.endsWith(".");
      doc =
          (stop ? doc.substring(0, doc.length() - 1) : doc)
              + " (default: "
              + s.defaultText()
              + ")"
              + (stop ? "." : "");
    }
    return doc.replace("%", "%%");
  }

  /**
   * The values of {@code settings} as {@code spec}'s last parse gave them (the configuration file's
   * included); a setting not given is left at its default.
   */
  static Settings read(CommandSpec spec, List<Setting<?>> settings) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    Settings.Builder b = Settings.builder();
    for (Setting<?> s : settings) {
      OptionSpec o = spec.findOption(s.option());
      if (o != null && parsed.hasMatchedOption(o)) set(b, s, o.getValue());
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static <T> void set(Settings.Builder b, Setting<T> s, Object value) {
    b.set(s, (T) value);
  }
}
