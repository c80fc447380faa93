package org.greygate.feature;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.ConfigurationException;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.policy.Reason;

/**
 * Something the daemon can do beyond greylisting, switched on by its settings: rate limits, DNS
 * lists, SPF grouping, domain policy, the queue watch. A feature is its package plus one line in
 * the daemon's list of features; through {@link Assembly} it adds its policies, background work,
 * resources, reload hooks and metrics, to {@code serve} and (what decides) to {@code check} alike.
 *
 * <p>Implementations are stateless: everything they build belongs to the assembly.
 */
public interface Feature {
  /** For the log, e.g. {@code rate limits}. */
  String name();

  /**
   * The name an admin writes in a policy set ({@code policy-set = submission: rate-limits}): its
   * name in lower case, words joined by dashes. Stable: configuration files spell it.
   */
  default String policyName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
  }

  /**
   * Whether it adds policies to the chain, so that a policy set can name it. A feature that only
   * watches (the queue) or serves tools (releases) does not.
   */
  default boolean decides() {
    return true;
  }

  /** Its settings (command-line options and configuration-file keys), declared in its package. */
  List<Setting<?>> settings();

  /**
   * Checks its settings before anything is opened, so that a bad value stops the start at once.
   *
   * @throws org.greygate.config.InvalidSetting naming the setting
   */
  default void validate(Settings settings) {}

  /** Whether, so configured, it asks DNS (the reply deadline must then leave DNS its budget). */
  default boolean asksDns(Settings settings) {
    return false;
  }

  /** The files it reads, so configured: {@code greygate doctor} checks the daemon can read them. */
  default List<Path> files(Settings settings) {
    return List.of();
  }

  /**
   * Whether, so configured, it decides once per message, at END-OF-MESSAGE: Postfix must then ask
   * greygate in {@code smtpd_end_of_data_restrictions} ({@code greygate doctor} says so).
   */
  default boolean decidesAtEndOfMessage(Settings settings) {
    return false;
  }

  /**
   * The reasons its policies give, each with its report category: the stats line, the metrics'
   * labels and {@code greygate report} read them.
   */
  default List<Reason> reasons() {
    return List.of();
  }

  /** Its commands ({@code greygate limits show}), or null when it adds none. */
  default Tool.Group tools() {
    return null;
  }

  /**
   * All its command groups: {@link #tools} unless it has several words. A group of one tool named
   * as the group is a command of its own ({@code greygate release}).
   */
  default java.util.List<Tool.Group> toolGroups() {
    Tool.Group g = tools();
    return g == null ? List.of() : List.of(g);
  }

  /**
   * Adds what the settings ask for; nothing when they leave the feature off.
   *
   * @throws ConfigurationException when a file it reads cannot be used (names file and line)
   */
  void install(Assembly at) throws ConfigurationException;
}
