package org.greygate.release;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Tool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releasing greylisted mail as a feature: {@code greygate greylisted} and {@code greygate release}
 * (its commands); in the daemon, the release requests those leave in the state directory applied
 * within a second, and, with {@code --api-token-file}, the API on the metrics listener. A token
 * file that is not the daemon user's (or root's), is readable by others or holds no token stops the
 * start (exit 2).
 */
public final class ReleaseFeature implements Feature {
  private static final Logger log = LoggerFactory.getLogger(ReleaseFeature.class);

  @Override
  public String name() {
    return "release";
  }

  @Override
  public boolean decides() {
    return false;
  }

  @Override
  public List<Setting<?>> settings() {
    return ReleaseSettings.ALL;
  }

  @Override
  public List<Tool.Group> toolGroups() {
    return ReleaseTools.GROUPS;
  }

  @Override
  public void install(Assembly at) {
    if (at.use() != Assembly.Use.SERVE) return;
    Keying keying = Keying.of(at.settings());
    Path dbdir = at.stateDirectory();
    at.metrics().declare(Releases.RELEASED);
    at.every(
        Duration.ofSeconds(1),
        () ->
            Releases.applyRequests(
                dbdir, at.store(), keying, at.metrics(), at.clock().instant().getEpochSecond()));
    Path tokenFile = at.settings().get(ReleaseSettings.API_TOKEN_FILE);
    if (tokenFile != null) {
      ReleaseApi api =
          new ReleaseApi(
              ReleaseApi.readToken(tokenFile),
              at.settings().get(ReleaseSettings.API_REMOTE),
              at.store(),
              keying,
              dbdir,
              at.metrics(),
              at.clock());
      at.apiPage("/api/greylisted", false, api::greylisted);
      at.apiPage("/api/release", true, api::release);
      log.info(
          "release API on the metrics listener (GET /api/greylisted, POST /api/release) for {}",
          at.settings().get(ReleaseSettings.API_REMOTE)
              ? "any caller with the token (--api-remote)"
              : "callers on loopback with the token");
    }
  }
}
