package org.greygate.whitelist;

import java.util.List;
import org.greygate.config.Setting;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Stage;

/**
 * Per recipient domain policy as a feature ({@code --domain-policy}): greylisting off, a delay of
 * its own, senders it always accepts, no auto-whitelisting. The file is read and reloaded with the
 * whitelists (one snapshot, swapped whole); this stage applies it after the whitelists.
 */
public final class DomainPolicyFeature implements Feature {
  @Override
  public String name() {
    return "domain policy";
  }

  @Override
  public List<Setting<?>> settings() {
    return List.of(WhitelistSettings.DOMAIN_POLICY);
  }

  @Override
  public void install(Assembly at) {
    at.policy(Stage.RECIPIENT_POLICY, new DomainPolicyStage(at.whitelists()));
  }
}
