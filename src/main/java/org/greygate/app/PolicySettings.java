package org.greygate.app;

import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;
import org.greygate.dns.DnsSettings;
import org.greygate.feature.Feature;
import org.greygate.greylist.GreylistConfig;
import org.greygate.greylist.GreylistSettings;
import org.greygate.policy.DecisionLog;
import org.greygate.protocol.Actions;
import org.greygate.protocol.Outcome;
import org.greygate.server.ServerSettings;

/**
 * The chain's own settings, declared once: the fail-open answer (an access(5) action, so declared
 * here rather than by the store, which knows nothing of the protocol), the decision lines' format
 * and the test clock; and {@link #config} that builds the chain's {@link PolicyConfig}, checking
 * every feature's settings on the way.
 */
public final class PolicySettings {
  private PolicySettings() {}

  public static final Setting<String> STORE_FAILURE_ACTION =
      Setting.value(
              "store-failure-action",
              "ACTION",
              "DUNNO",
              Values.TEXT,
              "Answer when the database fails or a decision is late, an access(5) action (DUNNO:"
                  + " mail flows ungreylisted).")
          .inGroup("Operation");

  public static final Setting<String> LOG_FORMAT =
      Setting.value(
              "log-format",
              "FORMAT",
              "text",
              Values.TEXT,
              "Decision lines as text (Postgrey's shape) or json (one object per decision).")
          .inGroup("Listening and limits");

  public static final Setting<Boolean> TRUST_POLICY_TEST_TIME =
      Setting.flag(
              "trust-policy-test-time",
              "Honour the policy_test_time request attribute (testing only: it lets a client"
                  + " choose the time).")
          .inGroup("Greylisting (Postgrey's names and defaults)");

  public static final List<Setting<?>> ALL =
      List.of(STORE_FAILURE_ACTION, LOG_FORMAT, TRUST_POLICY_TEST_TIME);

  /** What the reply deadline keeps for the store and the rules after DNS has had its budget. */
  static final long DECISION_MARGIN_MILLIS = 100;

  /** Messages remembered for the header-once rule. */
  static final int RECENT_INSTANCES = 10_000;

  /**
   * The chain's configuration of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static PolicyConfig config(Settings s, String version) {
    GreylistConfig greylist = GreylistSettings.config(s);
    DnsSettings dns = DnsSettings.of(s);
    DecisionLog.Format format = logFormat(s);
    long reply = s.get(ServerSettings.REPLY_TIMEOUT);
    long dnsMillis = dns.budget().toMillis();
    boolean asksDns = false;
    PolicySetSettings.validate(s);
    for (Feature f : Features.ALL) {
      f.validate(s);
      asksDns |= f.asksDns(s);
    }
    if (reply > 0 && asksDns && dnsMillis > reply - DECISION_MARGIN_MILLIS) {
      // DNS spending the whole deadline would turn every greylisting decision into the
      // fail-open answer whenever the resolver is slow: greylisting off, without a word
      throw new InvalidSetting(
          DnsSettings.TIMEOUT.name(),
          "("
              + dnsMillis
              + " ms) must leave --reply-timeout ("
              + reply
              + " ms) at least "
              + DECISION_MARGIN_MILLIS
              + " ms for the decision itself: lower --dns-timeout or raise --reply-timeout");
    }
    return new PolicyConfig(
        greylist,
        failOpen(s),
        s.get(TRUST_POLICY_TEST_TIME),
        RECENT_INSTANCES,
        ZoneId.systemDefault(),
        version,
        format,
        dns);
  }

  /** The decision lines' format. */
  public static DecisionLog.Format logFormat(Settings s) {
    String text = s.get(LOG_FORMAT);
    try {
      return DecisionLog.Format.valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(LOG_FORMAT.name(), "must be text or json, got '" + text + "'");
    }
  }

  /** The fail-open answer, checked against access(5). */
  static Outcome failOpen(Settings s) {
    try {
      return Actions.parse(s.get(STORE_FAILURE_ACTION), Outcome.Note.of("pass", "fail-open"));
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(STORE_FAILURE_ACTION.name(), e.getMessage());
    }
  }
}
