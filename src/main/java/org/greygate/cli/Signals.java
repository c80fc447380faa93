package org.greygate.cli;

import org.slf4j.LoggerFactory;

/** SIGHUP wiring through the JDK's signal API (jdk.unsupported, present on every OpenJDK). */
final class Signals {
  private Signals() {}

  @SuppressWarnings("restriction")
  static void onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
    } catch (IllegalArgumentException e) {
      LoggerFactory.getLogger(Signals.class)
          .warn("SIGHUP not available: reload by file change only", e);
    }
  }
}
