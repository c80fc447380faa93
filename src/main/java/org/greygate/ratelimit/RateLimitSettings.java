package org.greygate.ratelimit;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Values;

/** The rate limits' settings, declared once. */
public final class RateLimitSettings {
  private RateLimitSettings() {}

  /** The rules file, or null for no rate limits. */
  public static final Setting<Path> RULES =
      Setting.value(
              "rules",
              "FILE",
              null,
              Values.PATH,
              "Outbound rate limits, one rule a line (docs/outbound.md); read again on SIGHUP and"
                  + " when the file changes. A broken file stops the start (exit 2), or at reload"
                  + " keeps the rules in force.")
          .inGroup("Listening and limits");

  public static final List<Setting<?>> ALL = List.of(RULES);
}
