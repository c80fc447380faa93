package org.greygate.ratelimit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Stage;
import org.greygate.feature.Tool;
import org.greygate.policy.Reason;

/**
 * Outbound rate limits as a feature: the rules file ({@code --rules}) read at start (a broken file
 * stops it), watched and read again on SIGHUP; the counters checked at DATA and END-OF-MESSAGE
 * before any whitelist; {@code greygate limits reset} requests applied within a second. {@code
 * check} applies the same rules, read once.
 */
public final class RateLimitFeature implements Feature {
  @Override
  public String name() {
    return "rate limits";
  }

  @Override
  public List<Setting<?>> settings() {
    return RateLimitSettings.ALL;
  }

  @Override
  public List<Reason> reasons() {
    return RateLimitReasons.ALL;
  }

  @Override
  public List<Path> files(Settings settings) {
    Path file = settings.get(RateLimitSettings.RULES);
    return file == null ? List.of() : List.of(file);
  }

  @Override
  public boolean decidesAtEndOfMessage(Settings settings) {
    return settings.get(RateLimitSettings.RULES) != null;
  }

  @Override
  public Tool.Group tools() {
    return LimitsTools.GROUP;
  }

  @Override
  public void install(Assembly at) throws RateRules.Invalid {
    Path file = at.settings().get(RateLimitSettings.RULES);
    if (at.use() == Assembly.Use.CHECK) {
      RateRules rules = file == null ? RateRules.NONE : RateRules.load(file);
      at.policy(Stage.OUTBOUND, new RateLimitPolicy(() -> rules, at.store()));
      return;
    }
    RateRulesReloader rules = new RateRulesReloader(file, at.metrics());
    at.policy(Stage.OUTBOUND, new RateLimitPolicy(rules, at.store()));
    at.onReload(rules::reload);
    at.every(Duration.ofSeconds(2), rules::reloadIfChanged);
    // resets asked by 'greygate limits reset' while the daemon holds the live counters
    at.every(
        Duration.ofSeconds(1),
        () ->
            LimitResets.applyRequests(
                at.stateDirectory(), at.store(), at.clock().instant().getEpochSecond()));
  }
}
