package org.greygate.app;

import java.time.ZoneId;
import org.greygate.dns.DnsSettings;
import org.greygate.dnslist.DnsListConfig;
import org.greygate.greylist.GreylistConfig;
import org.greygate.policy.DecisionLog;
import org.greygate.protocol.Outcome;

/**
 * Everything the policy chain is built from, validated once.
 *
 * @param greylist the greylisting settings
 * @param failOpen the answer when the store fails or a decision is late
 * @param trustTestTime honour {@code policy_test_time} (tests only)
 * @param recentInstances how many message instances to remember for the header-once rule
 * @param zone the time zone of the X-Greylist header's date
 * @param version for the header's {@code %v}
 * @param logFormat the decision lines: Postgrey's shape or JSON
 * @param dnsLists the DNS allow and block lists ({@link DnsListConfig#NONE}: none)
 * @param spfGrouping key the triplets of clients that pass SPF by the sender's domain
 * @param dns the resolvers and the per-request DNS budget of the lists and SPF
 */
public record PolicyConfig(
    GreylistConfig greylist,
    Outcome failOpen,
    boolean trustTestTime,
    int recentInstances,
    ZoneId zone,
    String version,
    DecisionLog.Format logFormat,
    DnsListConfig dnsLists,
    boolean spfGrouping,
    DnsSettings dns) {

  public static final Outcome DUNNO = new Outcome.Dunno(Outcome.Note.of("pass", "fail-open"));

  /** No DNS lists. */
  public PolicyConfig(
      GreylistConfig greylist,
      Outcome failOpen,
      boolean trustTestTime,
      int recentInstances,
      ZoneId zone,
      String version,
      DecisionLog.Format logFormat) {
    this(
        greylist,
        failOpen,
        trustTestTime,
        recentInstances,
        zone,
        version,
        logFormat,
        DnsListConfig.NONE,
        false,
        DnsSettings.DEFAULT);
  }

  /** Decision lines in Postgrey's shape. */
  public PolicyConfig(
      GreylistConfig greylist,
      Outcome failOpen,
      boolean trustTestTime,
      int recentInstances,
      ZoneId zone,
      String version) {
    this(
        greylist, failOpen, trustTestTime, recentInstances, zone, version, DecisionLog.Format.TEXT);
  }

  public PolicyConfig {
    org.greygate.config.InvalidSetting.check(
        recentInstances >= 1, "recentInstances", "must be >= 1, got " + recentInstances);
  }

  /** Whether any feature asks DNS (then the daemon needs a resolver). */
  public boolean asksDns() {
    return dnsLists.active() || spfGrouping;
  }

  /** Defaults around a greylist configuration (tests, benchmarks). */
  public static PolicyConfig of(GreylistConfig greylist) {
    return new PolicyConfig(greylist, DUNNO, false, 10_000, ZoneId.of("UTC"), "test");
  }
}
