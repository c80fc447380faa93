package org.greygate.queue;

import static org.greygate.config.InvalidSetting.check;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.greygate.queue.audit.AuditConfig;
import org.greygate.queue.hooks.HookConfig;

/**
 * What the queue watch does; validated once.
 *
 * @param postqueue the listing command, {@code -j} included (e.g. {@code /usr/sbin/postqueue -c
 *     /etc/postfix-out -j})
 * @param intervalSeconds time between readings (and the unit of the volume baseline)
 * @param watermarks queue sizes that alert
 * @param repeatSeconds while a queue stays past its watermark, alert again this often
 * @param mailLog Postfix's mail log to follow, or {@code null} for no release and volume alerts
 * @param releaseThreshold messages released from hold within one interval that alert
 * @param volumeFactor alert when one interval's deliveries exceed this many times the baseline; 0
 *     turns the volume alert off
 * @param baselineSeconds the trailing span the baseline is the mean over
 * @param volumeMin deliveries in one interval below which volume never alerts (quiet hosts)
 * @param agents delivery agents whose attempts count as outbound volume ({@code smtp})
 * @param volumeWindowSeconds the span whose deliveries are compared with the baseline (a whole
 *     number of intervals)
 * @param releaseBurst messages held and released within one hour that alert ({@code
 *     alert=hold-release}); 0 turns it off
 * @param audit who ran the queue tools: the auth and audit logs to follow, the admins
 * @param hooks where alerts go besides the log (webhooks, programs)
 */
public record QueueWatchConfig(
    List<String> postqueue,
    long intervalSeconds,
    List<Watermark> watermarks,
    long repeatSeconds,
    Path mailLog,
    long releaseThreshold,
    double volumeFactor,
    long baselineSeconds,
    long volumeMin,
    Set<String> agents,
    long volumeWindowSeconds,
    long releaseBurst,
    AuditConfig audit,
    HookConfig hooks) {
  /**
   * The watch without a volume window of its own (one interval), hold-release alerts, audit or
   * response hooks.
   */
  public QueueWatchConfig(
      List<String> postqueue,
      long intervalSeconds,
      List<Watermark> watermarks,
      long repeatSeconds,
      Path mailLog,
      long releaseThreshold,
      double volumeFactor,
      long baselineSeconds,
      long volumeMin,
      Set<String> agents) {
    this(
        postqueue,
        intervalSeconds,
        watermarks,
        repeatSeconds,
        mailLog,
        releaseThreshold,
        volumeFactor,
        baselineSeconds,
        volumeMin,
        agents,
        intervalSeconds,
        0,
        AuditConfig.OFF,
        HookConfig.NONE);
  }

  public QueueWatchConfig {
    postqueue = List.copyOf(postqueue);
    watermarks = List.copyOf(watermarks);
    agents = Set.copyOf(agents);
    check(!postqueue.isEmpty(), "postqueue", "must name a program");
    check(
        intervalSeconds >= 1 && intervalSeconds <= 3600,
        "queue-interval",
        "must be 1s to 1h, got " + intervalSeconds + "s");
    check(repeatSeconds >= intervalSeconds, "queue-alert-repeat", "must be at least the interval");
    check(releaseThreshold >= 1, "release-alert", "must be 1 or more, got " + releaseThreshold);
    check(
        volumeFactor == 0 || volumeFactor > 1,
        "volume-alert",
        "must be more than 1 (or 0 for off), got " + volumeFactor);
    check(
        baselineSeconds >= 3 * intervalSeconds,
        "volume-baseline",
        "must span at least three intervals, got " + baselineSeconds + "s");
    check(volumeMin >= 1, "volume-min", "must be 1 or more, got " + volumeMin);
    check(!agents.isEmpty(), "volume-agents", "must name at least one delivery agent");
    check(
        volumeWindowSeconds >= intervalSeconds && volumeWindowSeconds % intervalSeconds == 0,
        "volume-window",
        "must be a whole number of intervals ("
            + intervalSeconds
            + "s), got "
            + volumeWindowSeconds
            + "s");
    check(
        baselineSeconds >= 3 * volumeWindowSeconds,
        "volume-baseline",
        "must span at least three volume windows, got " + baselineSeconds + "s");
    check(releaseBurst >= 0, "release-burst", "must be 0 (off) or more, got " + releaseBurst);
    java.util.Objects.requireNonNull(audit, "audit");
  }

  /** Intervals in one volume window. */
  int windowIntervals() {
    return (int) (volumeWindowSeconds / intervalSeconds);
  }

  /** Intervals in one hour (at least one), the span of the hold-release count. */
  int hourIntervals() {
    return (int) Math.max(1, 3600 / intervalSeconds);
  }

  /** Intervals the volume baseline averages over. */
  int baselineIntervals() {
    return (int) Math.min(10_000, baselineSeconds / intervalSeconds);
  }

  /**
   * The listing command for {@code postqueue} with Postfix's config directory, if not the default.
   */
  public static List<String> postqueueCommand(String postqueue, String configDir) {
    return PostqueueReader.command(postqueue, configDir);
  }
}
