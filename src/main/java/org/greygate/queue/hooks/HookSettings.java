package org.greygate.queue.hooks;

import static org.greygate.config.InvalidSetting.check;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.config.Durations;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** The response hooks' settings, declared once: where alerts go besides the log. */
public final class HookSettings {
  private HookSettings() {}

  static final String GROUP = "The queue watch";

  public static final Setting<List<URI>> ALERT_WEBHOOK =
      Setting.list(
              "alert-webhook",
              "URL",
              HookSettings::url,
              "POST every queue alert as JSON to URL (http or https; repeatable), retried with"
                  + " back-off; never holds up the watch.")
          .inGroup(GROUP);

  public static final Setting<Path> ALERT_WEBHOOK_SECRET =
      Setting.value(
              "alert-webhook-secret",
              "FILE",
              null,
              Values.PATH,
              "Sign each webhook body with the key in FILE: header X-Greygate-Signature:"
                  + " sha256=HMAC-SHA256(key, body) in hex.")
          .inGroup(GROUP);

  public static final Setting<List<Path>> ALERT_COMMAND =
      Setting.list(
              "alert-command",
              "PROGRAM",
              Values.PATH,
              "Run PROGRAM (no shell, no arguments) for every queue alert, the alert as JSON on"
                  + " its standard input; its exit status is logged (repeatable).")
          .inGroup(GROUP);

  public static final Setting<String> ALERT_HOOK_TIMEOUT =
      Setting.value(
              "alert-hook-timeout",
              "DURATION",
              "10s",
              Values.TEXT,
              "How long one webhook call or command may take before it counts as failed.")
          .inGroup(GROUP);

  public static final List<Setting<?>> ALL =
      List.of(ALERT_WEBHOOK, ALERT_WEBHOOK_SECRET, ALERT_COMMAND, ALERT_HOOK_TIMEOUT);

  /**
   * The hooks of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static HookConfig config(Settings s) {
    long seconds;
    try {
      seconds = Durations.seconds(s.get(ALERT_HOOK_TIMEOUT), 1, 300);
    } catch (IllegalArgumentException e) {
      throw new InvalidSetting(ALERT_HOOK_TIMEOUT.name(), e.getMessage());
    }
    Path secret = s.get(ALERT_WEBHOOK_SECRET);
    check(
        secret == null || !s.get(ALERT_WEBHOOK).isEmpty(),
        ALERT_WEBHOOK_SECRET.name(),
        "needs an --alert-webhook to sign for");
    return new HookConfig(
        s.get(ALERT_WEBHOOK), secret, s.get(ALERT_COMMAND), Duration.ofSeconds(seconds));
  }

  static URI url(String text) {
    URI u;
    try {
      u = URI.create(text.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL");
    }
    String scheme = u.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || u.getHost() == null) {
      throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// URL");
    }
    return u;
  }
}
