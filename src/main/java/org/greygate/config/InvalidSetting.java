package org.greygate.config;

/**
 * A configuration value that breaks a rule, raised once, where the configuration value is built.
 *
 * @see #setting()
 */
public final class InvalidSetting extends IllegalArgumentException {
  private final String setting;

  /**
   * @param setting the setting's name in the configuration record, e.g. {@code delay}
   * @param problem what is wrong, e.g. {@code must be >= 0 seconds, got -1}
   */
  public InvalidSetting(String setting, String problem) {
    super(setting + " " + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }

  /** What is wrong, without the setting's name. */
  public String problem() {
    return getMessage().substring(setting.length() + 1);
  }

  /** Throws unless {@code ok}. */
  public static void check(boolean ok, String setting, String problem) {
    if (!ok) throw new InvalidSetting(setting, problem);
  }
}
