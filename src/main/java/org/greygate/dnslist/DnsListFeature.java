package org.greygate.dnslist;

import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Stage;
import org.greygate.policy.Reason;

/**
 * DNS allow and block lists as a feature ({@code --dnswl}, {@code --dnsbl}, {@code --skip-score},
 * {@code --greylist-only-listed}): asked after the whitelists and the recipient domain's policy,
 * before greylisting, within the request's DNS budget.
 */
public final class DnsListFeature implements Feature {
  @Override
  public String name() {
    return "DNS lists";
  }

  @Override
  public List<Setting<?>> settings() {
    return DnsListSettings.ALL;
  }

  @Override
  public List<Reason> reasons() {
    return DnsListReasons.ALL;
  }

  @Override
  public void validate(Settings settings) {
    DnsListSettings.config(settings);
  }

  @Override
  public boolean asksDns(Settings settings) {
    return DnsListSettings.config(settings).active();
  }

  @Override
  public void install(Assembly at) {
    DnsListConfig lists = DnsListSettings.config(at.settings());
    if (!lists.active()) return;
    at.policy(
        Stage.CLIENT_REPUTATION, new DnsListPolicy(lists, at.dnsBudget(), at.dns(), at.metrics()));
  }
}
