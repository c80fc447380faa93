package org.greygate.app;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.dnslist.DnsListFeature;
import org.greygate.feature.Feature;
import org.greygate.greylist.GreylistReasons;
import org.greygate.policy.PolicyReasons;
import org.greygate.policy.Reason;
import org.greygate.queue.QueueWatchFeature;
import org.greygate.ratelimit.RateLimitFeature;
import org.greygate.release.ReleaseFeature;
import org.greygate.report.Reasons;
import org.greygate.spf.SpfFeature;
import org.greygate.whitelist.DomainPolicyFeature;
import org.greygate.whitelist.WhitelistReasons;

/**
 * The daemon's features, one line each. Within a chain stage, policies are asked in this order. A
 * new feature is a package implementing {@link Feature} and one line here.
 */
public final class Features {
  private Features() {}

  public static final List<Feature> ALL =
      List.of(
          new RateLimitFeature(),
          new DomainPolicyFeature(),
          new DnsListFeature(),
          new SpfFeature(),
          new QueueWatchFeature(),
          new ReleaseFeature());

  /**
   * Every reason a decision can give: the daemon's own (the chain's, the whitelists',
   * greylisting's) and each feature's.
   */
  public static Reasons reasons() {
    List<Reason> out = new ArrayList<>();
    out.addAll(PolicyReasons.ALL);
    out.addAll(WhitelistReasons.ALL);
    out.addAll(GreylistReasons.ALL);
    for (Feature f : ALL) out.addAll(f.reasons());
    return new Reasons(out);
  }

  /** Every feature's settings, in the order of {@link #ALL}. */
  public static List<Setting<?>> settings() {
    List<Setting<?>> out = new ArrayList<>();
    for (Feature f : ALL) out.addAll(f.settings());
    return List.copyOf(out);
  }
}
