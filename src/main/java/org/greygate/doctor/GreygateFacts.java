package org.greygate.doctor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What greygate is configured to do, as the doctor needs it.
 *
 * @param listeners where it listens for Postfix
 * @param idleTimeout after how long it closes an idle connection ({@code --idle-timeout})
 * @param endOfMessage a feature decides per message, at END-OF-MESSAGE (rate limits)
 * @param files the files the daemon reads (whitelists, domain policies, rules)
 * @param user the user the daemon runs as, or null when it keeps the one that started it
 * @param policySets the policy sets declared ({@code --policy-set}), by name; empty when none
 */
public record GreygateFacts(
    List<Endpoint> listeners,
    Duration idleTimeout,
    boolean endOfMessage,
    List<Path> files,
    String user,
    java.util.Set<String> policySets) {
  public GreygateFacts {
    listeners = List.copyOf(listeners);
    files = List.copyOf(files);
    policySets = java.util.Set.copyOf(policySets);
  }

  /** Without policy sets. */
  public GreygateFacts(
      List<Endpoint> listeners,
      Duration idleTimeout,
      boolean endOfMessage,
      List<Path> files,
      String user) {
    this(listeners, idleTimeout, endOfMessage, files, user, java.util.Set.of());
  }
}
