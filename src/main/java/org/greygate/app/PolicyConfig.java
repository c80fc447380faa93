package org.greygate.app;

import java.time.ZoneId;
import org.greygate.dns.DnsSettings;
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
 * @param dns the resolvers and the per-request DNS budget of the features that ask DNS
 */
public record PolicyConfig(
    GreylistConfig greylist,
    Outcome failOpen,
    boolean trustTestTime,
    int recentInstances,
    ZoneId zone,
    String version,
    DecisionLog.Format logFormat,
    DnsSettings dns) {

  public static final Outcome DUNNO = new Outcome.Dunno(Outcome.Note.of("pass", "fail-open"));

  /** The default resolvers. */
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

  /** Defaults around a greylist configuration (tests, benchmarks). */
  public static PolicyConfig of(GreylistConfig greylist) {
    return new PolicyConfig(greylist, DUNNO, false, 10_000, ZoneId.of("UTC"), "test");
  }
}
