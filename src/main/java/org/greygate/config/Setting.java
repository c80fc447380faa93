package org.greygate.config;

import java.util.List;
import java.util.Objects;

/**
 * One setting, declared once, by the package it configures: its name (the command-line option
 * {@code --NAME} and the configuration file's key {@code NAME}), its default, how its text is read
 * and checked, and the one line that documents it. The command line's options, the configuration
 * file's keys, {@code --help}, the man page and the README's table are derived from these
 * declarations; nothing else spells a setting's name or default.
 *
 * <p>Immutable; the {@code with…} methods return a copy.
 *
 * @param <T> the value's type; a {@link Kind#LIST} setting's is a {@code List} of its elements
 */
public final class Setting<T> {
  /** How a setting is written on the command line. */
  public enum Kind {
    /** {@code --privacy}: present or not. */
    FLAG,
    /** {@code --delay=300}: one value; the last one given counts. */
    VALUE,
    /** {@code --inet=10023 --inet=10024}: every value given, in order. */
    LIST
  }

  /** Reads a setting's text. */
  @FunctionalInterface
  public interface Parser<T> {
    /**
     * @throws IllegalArgumentException saying what is wrong with {@code text}, without the
     *     setting's name (e.g. {@code "'x' is not a number"})
     */
    T parse(String text);
  }

  private final String name;
  private final List<String> aliases;
  private final String label;
  private final String doc;
  private final Kind kind;
  private final T defaultValue;
  private final String defaultText;
  private final Parser<?> parser;
  private final String fallback;
  private final String group;
  private final String split;

  private Setting(
      String name,
      List<String> aliases,
      String label,
      String doc,
      Kind kind,
      T defaultValue,
      String defaultText,
      Parser<?> parser,
      String fallback,
      String group,
      String split) {
    if (name.isEmpty() || name.startsWith("-") || !name.equals(name.strip())) {
      throw new IllegalArgumentException("a setting's name is a word without dashes: " + name);
    }
    this.name = name;
    this.aliases = List.copyOf(aliases);
    this.label = label;
    this.doc = Objects.requireNonNull(doc, "doc");
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.parser = parser;
    this.fallback = fallback;
    this.group = group;
    this.split = split;
  }

  /** {@code --NAME}: on when given. */
  public static Setting<Boolean> flag(String name, String doc) {
    return new Setting<>(name, List.of(), null, doc, Kind.FLAG, false, null, null, null, "", null);
  }

  /**
   * {@code --NAME=LABEL}: one value, {@code defaultValue} when not given ({@code null}: none).
   *
   * @param label how {@code --help} names the value, e.g. {@code N} or {@code FILE}
   */
  public static <T> Setting<T> value(
      String name, String label, T defaultValue, Parser<T> parser, String doc) {
    return new Setting<>(
        name,
        List.of(),
        label,
        doc,
        Kind.VALUE,
        defaultValue,
        defaultValue == null ? null : String.valueOf(defaultValue),
        parser,
        null,
        "",
        null);
  }

  /** {@code --NAME=LABEL}, repeatable: every value given, in order; none when not given. */
  public static <E> Setting<List<E>> list(String name, String label, Parser<E> parser, String doc) {
    return new Setting<>(
        name, List.of(), label, doc, Kind.LIST, List.of(), null, parser, null, "", null);
  }

  /** The same setting under other names too, e.g. {@code -i} for {@code --inet}. */
  public Setting<T> withAliases(String... names) {
    return new Setting<>(
        name,
        List.of(names),
        label,
        doc,
        kind,
        defaultValue,
        defaultText,
        parser,
        fallback,
        group,
        split);
  }

  /**
   * How the documentation shows the default, e.g. {@code 2} for 172,800 seconds written in days;
   * null when there is no default to state (a daemon's host name, say, found at start).
   */
  public Setting<T> withDefaultText(String text) {
    return new Setting<>(
        name, aliases, label, doc, kind, defaultValue, text, parser, fallback, group, split);
  }

  /**
   * The value when not given, e.g. a list's; documented as {@code text}. A repeatable setting given
   * on the command line replaces its default whole.
   */
  public Setting<T> withDefault(T value, String text) {
    return new Setting<>(
        name, aliases, label, doc, kind, value, text, parser, fallback, group, split);
  }

  /**
   * {@code --NAME} without a value means {@code text}, e.g. Postgrey's {@code
   * --auto-whitelist-clients}.
   */
  public Setting<T> withFallback(String text) {
    return new Setting<>(
        name, aliases, label, doc, kind, defaultValue, defaultText, parser, text, group, split);
  }

  /** A repeatable setting whose one value may hold several, split at {@code regex} ({@code ,}). */
  public Setting<T> splitAt(String regex) {
    return new Setting<>(
        name, aliases, label, doc, kind, defaultValue, defaultText, parser, fallback, group, regex);
  }

  /** The heading the documentation lists this setting under, e.g. {@code Greylisting}. */
  public Setting<T> inGroup(String heading) {
    return new Setting<>(
        name,
        aliases,
        label,
        doc,
        kind,
        defaultValue,
        defaultText,
        parser,
        fallback,
        heading,
        split);
  }

  /**
   * The value of {@code text}, checked.
   *
   * @throws InvalidSetting naming this setting and the problem
   */
  @SuppressWarnings("unchecked")
  public Object parseOne(String text) {
    if (kind == Kind.FLAG) throw new IllegalStateException(name + " is a flag");
    try {
      return ((Parser<Object>) parser).parse(text);
    } catch (InvalidSetting e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(name, e.getMessage());
    }
  }

  public String name() {
    return name;
  }

  /** {@code --NAME}, as the command line writes it. */
  public String option() {
    return "--" + name;
  }

  /** Other names, with their dashes ({@code -i}). */
  public List<String> aliases() {
    return aliases;
  }

  /** The value's name in {@code --help}; null for a flag. */
  public String label() {
    return label;
  }

  /** One line: what the setting does (the default is shown apart). */
  public String doc() {
    return doc;
  }

  public Kind kind() {
    return kind;
  }

  /** The value when not given: false for a flag, an empty list for a list, null for none. */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as documented, or null when there is none to show. */
  public String defaultText() {
    return defaultText;
  }

  /** What {@code --NAME} alone means, or null when a value is required. */
  public String fallback() {
    return fallback;
  }

  public String group() {
    return group;
  }

  /** Where one value of a repeatable setting is split into several, or null. */
  public String split() {
    return split;
  }

  @Override
  public String toString() {
    return option();
  }
}
