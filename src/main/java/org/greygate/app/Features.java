package org.greygate.app;

import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.dnslist.DnsListFeature;
import org.greygate.feature.Feature;
import org.greygate.queue.QueueWatchFeature;
import org.greygate.ratelimit.RateLimitFeature;
import org.greygate.spf.SpfFeature;
import org.greygate.whitelist.DomainPolicyFeature;

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
          new QueueWatchFeature());

  /** Every feature's settings, in the order of {@link #ALL}. */
  public static List<Setting<?>> settings() {
    List<Setting<?>> out = new ArrayList<>();
    for (Feature f : ALL) out.addAll(f.settings());
    return List.copyOf(out);
  }
}
