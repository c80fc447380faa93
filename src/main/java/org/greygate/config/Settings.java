package org.greygate.config;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of a set of {@link Setting}s, as given (command line, configuration file, the daemon's
 * recorded options): immutable, read with {@link #get}, which answers the declared default for a
 * setting not given.
 */
public final class Settings {
  private final Map<Setting<?>, Object> values;

  private Settings(Map<Setting<?>, Object> values) {
    this.values = Map.copyOf(values);
  }

  /** No setting given: every one at its default. */
  public static final Settings DEFAULTS = new Settings(Map.of());

  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    Object v = values.get(setting);
    return v == null ? setting.defaultValue() : (T) v;
  }

  /** Whether {@code setting} was given (not left at its default). */
  public boolean given(Setting<?> setting) {
    return values.containsKey(setting);
  }

  /** These values with {@code setting} set to {@code value} (tests, tools that fix one). */
  public <T> Settings with(Setting<T> setting, T value) {
    Map<Setting<?>, Object> copy = new HashMap<>(values);
    copy.put(setting, value);
    return new Settings(copy);
  }

  /**
   * These values, with those {@code given} has replacing them: the daemon's recorded settings with
   * a command's own options, say.
   */
  public Settings and(Settings given) {
    Map<Setting<?>, Object> copy = new HashMap<>(values);
    copy.putAll(given.values);
    return new Settings(copy);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects values as they are read; each text parsed (and checked) by its setting. */
  public static final class Builder {
    private final Map<Setting<?>, Object> values = new LinkedHashMap<>();

    /**
     * {@code text} for {@code setting}: a flag is set (text ignored), a list gains the value, a
     * value replaces the one before.
     *
     * @throws InvalidSetting naming the setting when the text is bad
     */
    @SuppressWarnings("unchecked")
    public Builder add(Setting<?> setting, String text) {
      switch (setting.kind()) {
        case FLAG -> values.put(setting, Boolean.TRUE);
        case VALUE -> values.put(setting, setting.parseOne(text));
        case LIST -> {
          Object one = setting.parseOne(text);
          ((List<Object>) values.computeIfAbsent(setting, s -> new java.util.ArrayList<Object>()))
              .add(one);
        }
      }
      return this;
    }

    /** Sets a typed value directly. */
    public <T> Builder set(Setting<T> setting, T value) {
      values.put(setting, value);
      return this;
    }

    public Settings build() {
      Map<Setting<?>, Object> frozen = new HashMap<>();
      for (Map.Entry<Setting<?>, Object> e : values.entrySet()) {
        Object v = e.getValue();
        frozen.put(e.getKey(), v instanceof List<?> l ? List.copyOf(l) : v);
      }
      return new Settings(frozen);
    }
  }

  /** Every setting among {@code declared} whose name is {@code name}, or null. */
  public static Setting<?> find(Collection<Setting<?>> declared, String name) {
    for (Setting<?> s : declared) if (s.name().equals(name)) return s;
    return null;
  }
}
