package org.greygate.queue;

import static org.greygate.config.InvalidSetting.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.greygate.config.Durations;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;
import org.greygate.queue.audit.AuditSettings;
import org.greygate.queue.hooks.HookSettings;

/**
 * The queue watch's settings, declared once, for {@code serve --queue-watch} and {@code
 * queue-watch}.
 */
public final class QueueWatchSettings {
  private QueueWatchSettings() {}

  static final String GROUP = "The queue watch";

  /** The daemon's switch; {@code queue-watch} on its own always watches. */
  public static final Setting<Boolean> QUEUE_WATCH =
      Setting.flag(
              "queue-watch",
              "Also watch Postfix's queue (sizes as metrics, alerts; the --queue-*, --mail-log,"
                  + " --release-*, --volume-*, --auth-log and --audit-log options;"
                  + " docs/outbound.md).")
          .inGroup(GROUP);

  public static final Setting<String> QUEUE_INTERVAL =
      Setting.value(
              "queue-interval",
              "DURATION",
              "1m",
              Values.TEXT,
              "Read Postfix's queue this often: 30s, 1m, ...")
          .inGroup(GROUP);

  public static final Setting<List<String>> QUEUE_ALERT =
      Setting.list(
              "queue-alert",
              "QUEUE:COUNT",
              Values.TEXT,
              "Alert (action=queue-alert) when COUNT or more messages are in QUEUE: maildrop,"
                  + " incoming, active, deferred or hold, e.g. deferred:1000 or hold:1."
                  + " Repeatable.")
          .inGroup(GROUP);

  public static final Setting<String> QUEUE_ALERT_REPEAT =
      Setting.value(
              "queue-alert-repeat",
              "DURATION",
              "15m",
              Values.TEXT,
              "While a queue stays past its watermark, alert again this often.")
          .inGroup(GROUP);

  public static final Setting<String> POSTQUEUE =
      Setting.value(
              "postqueue",
              "PATH",
              "/usr/sbin/postqueue",
              Values.TEXT,
              "Postfix's postqueue program.")
          .inGroup(GROUP);

  public static final Setting<String> POSTFIX_CONFIG_DIR =
      Setting.value(
              "postfix-config-dir",
              "DIR",
              null,
              Values.TEXT,
              "Watch the Postfix instance configured in DIR (postqueue -c DIR; default: the"
                  + " system's).")
          .inGroup(GROUP);

  public static final Setting<Path> MAIL_LOG =
      Setting.value(
              "mail-log",
              "FILE",
              null,
              Values.PATH,
              "Follow Postfix's mail log (e.g. /var/log/mail.log) for releases from hold and"
                  + " outbound volume (default: off).")
          .inGroup(GROUP);

  public static final Setting<Long> RELEASE_ALERT =
      Setting.value(
              "release-alert",
              "N",
              20L,
              Values.LONG,
              "Alert when N or more messages are released from hold (postsuper -r) within one"
                  + " interval.")
          .inGroup(GROUP);

  public static final Setting<Double> VOLUME_ALERT =
      Setting.value(
              "volume-alert",
              "FACTOR",
              5.0,
              Values.DOUBLE,
              "Alert when one interval's delivery attempts pass FACTOR times the trailing"
                  + " baseline (0 = off).")
          .withDefaultText("5")
          .inGroup(GROUP);

  public static final Setting<String> VOLUME_BASELINE =
      Setting.value(
              "volume-baseline",
              "DURATION",
              "1h",
              Values.TEXT,
              "The trailing span the volume baseline averages.")
          .inGroup(GROUP);

  public static final Setting<Long> VOLUME_MIN =
      Setting.value(
              "volume-min",
              "N",
              100L,
              Values.LONG,
              "Never alert on volume below N delivery attempts in one volume window.")
          .inGroup(GROUP);

  public static final Setting<List<String>> VOLUME_AGENTS =
      Setting.list(
              "volume-agents",
              "AGENT",
              Values.TEXT,
              "Delivery agents whose attempts count as outbound volume, as they are named in the"
                  + " log.")
          .withDefault(List.of("smtp"), "smtp")
          .splitAt(",")
          .inGroup(GROUP);

  public static final Setting<String> VOLUME_WINDOW =
      Setting.value(
              "volume-window",
              "DURATION",
              "5m",
              Values.TEXT,
              "The span whose delivery attempts are compared with the baseline: a whole number"
                  + " of --queue-interval (the default is cut to one, and to a third of"
                  + " --volume-baseline).")
          .inGroup(GROUP);

  public static final Setting<Long> RELEASE_BURST =
      Setting.value(
              "release-burst",
              "N",
              100L,
              Values.LONG,
              "Alert when N or more messages are put on hold and N or more released from hold"
                  + " within one hour (0 = off).")
          .inGroup(GROUP);

  /** What the watch takes (not {@link #QUEUE_WATCH}, the daemon's switch). */
  public static final List<Setting<?>> ALL =
      List.of(
          QUEUE_INTERVAL,
          QUEUE_ALERT,
          QUEUE_ALERT_REPEAT,
          POSTQUEUE,
          POSTFIX_CONFIG_DIR,
          MAIL_LOG,
          RELEASE_ALERT,
          RELEASE_BURST,
          VOLUME_ALERT,
          VOLUME_WINDOW,
          VOLUME_BASELINE,
          VOLUME_MIN,
          VOLUME_AGENTS,
          AuditSettings.AUTH_LOG,
          AuditSettings.AUDIT_LOG,
          AuditSettings.QUEUE_ADMINS,
          HookSettings.ALERT_WEBHOOK,
          HookSettings.ALERT_WEBHOOK_SECRET,
          HookSettings.ALERT_COMMAND,
          HookSettings.ALERT_HOOK_TIMEOUT);

  /**
   * The daemon's watch: its configuration with {@link #QUEUE_WATCH}, null without; without it, a
   * watch setting given is a mistake.
   *
   * @throws InvalidSetting naming the setting
   */
  public static QueueWatchConfig ifEnabled(Settings s) {
    if (s.get(QUEUE_WATCH)) return config(s);
    for (Setting<?> w : ALL) check(!s.given(w), w.name(), "needs --queue-watch");
    return null;
  }

  /**
   * A setting of the watch's (or of its parts') given without {@link #QUEUE_WATCH} is a mistake.
   *
   * @throws InvalidSetting naming the setting
   */
  public static void requireWatch(Settings s, Setting<?> w) {
    check(!s.given(w), w.name(), "needs --queue-watch");
  }

  /**
   * The watch's configuration of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static QueueWatchConfig config(Settings s) {
    long every = duration(s, QUEUE_INTERVAL, 1, 3600);
    long again = duration(s, QUEUE_ALERT_REPEAT, 1, 7 * 86_400L);
    long span = duration(s, VOLUME_BASELINE, 1, 7 * 86_400L);
    long window = duration(s, VOLUME_WINDOW, 1, 86_400L);
    if (!s.given(VOLUME_WINDOW)) {
      // the default: whole intervals, at most a third of the baseline (a short baseline, a long
      // interval keep working as before the window had a setting)
      window = Math.max(every, Math.min(window, span / 3) / every * every);
    }
    String postqueue = s.get(POSTQUEUE);
    check(!postqueue.isBlank(), POSTQUEUE.name(), "must name Postfix's postqueue program");
    String configDir = s.get(POSTFIX_CONFIG_DIR);
    check(
        configDir == null || !configDir.isBlank(),
        POSTFIX_CONFIG_DIR.name(),
        "must name a directory, got ''");
    List<Watermark> marks = new ArrayList<>();
    for (String w : s.get(QUEUE_ALERT)) {
      try {
        marks.add(Watermark.parse(w));
      } catch (IllegalArgumentException e) {
        throw new InvalidSetting(QUEUE_ALERT.name(), ": " + e.getMessage());
      }
    }
    Set<String> names = new LinkedHashSet<>();
    for (String a : s.get(VOLUME_AGENTS)) {
      String t = a.strip();
      check(
          t.matches("[A-Za-z0-9_.-]+"), VOLUME_AGENTS.name(), ": '" + a + "' is not an agent name");
      names.add(t);
    }
    return new QueueWatchConfig(
        QueueWatchConfig.postqueueCommand(postqueue, configDir),
        every,
        marks,
        again,
        s.get(MAIL_LOG),
        s.get(RELEASE_ALERT),
        s.get(VOLUME_ALERT),
        span,
        s.get(VOLUME_MIN),
        names,
        window,
        s.get(RELEASE_BURST),
        AuditSettings.config(s),
        HookSettings.config(s));
  }

  private static long duration(Settings s, Setting<String> setting, long min, long max) {
    try {
      return Durations.seconds(s.get(setting), min, max);
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(setting.name(), ": " + e.getMessage());
    }
  }
}
