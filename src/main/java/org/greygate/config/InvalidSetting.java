package org.greygate.config;

/**
 * A configuration value that breaks a rule, raised once, where the configuration value is built.
 *
 * @see #setting()
 */
public final class InvalidSetting extends IllegalArgumentException {
  private final String setting;

  /**
   * @param setting the setting's declared name ({@link Setting#name()}), e.g. {@code max-age}
   * @param problem what is wrong, e.g. {@code must be >= 0 seconds, got -1}, or {@code : 'x' is not
   *     ...} to follow the name with a colon
   */
  public InvalidSetting(String setting, String problem) {
    super(setting + (problem.startsWith(":") ? "" : " ") + problem);
    this.setting = setting;
  }

  public String setting() {
    return setting;
  }

  /** What is wrong, without the setting's name (a leading colon kept). */
  public String problem() {
    String p = getMessage().substring(setting.length());
    return p.startsWith(" ") ? p.substring(1) : p;
  }

  /** The message as the command line shows it: {@code --max-age must be ...}. */
  public String forOption() {
    return "--" + getMessage();
  }

  /** Throws unless {@code ok}. */
  public static void check(boolean ok, String setting, String problem) {
    if (!ok) throw new InvalidSetting(setting, problem);
  }
}
