package org.greygate.queue.spool;

import static org.greygate.config.InvalidSetting.check;

import java.nio.file.Path;
import java.util.List;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/**
 * The spool integrity watch's settings, declared once, for {@code serve --queue-watch
 * --spool-watch}, {@code queue-watch --spool-watch} and {@code queue check-perms}.
 */
public final class SpoolSettings {
  private SpoolSettings() {}

  static final String GROUP = "The queue watch";

  public static final Setting<Boolean> SPOOL_WATCH =
      Setting.flag(
              "spool-watch",
              "Also watch Postfix's queue directories for what Postfix never does: files owned by"
                  + " others, links, fifos, open permissions, names that are no queue ID, files"
                  + " made where Postfix only moves them, changed directory modes"
                  + " (docs/queue-security.md).")
          .inGroup(GROUP);

  public static final Setting<Path> QUEUE_DIRECTORY =
      Setting.value(
              "queue-directory",
              "DIR",
              Path.of("/var/spool/postfix"),
              Values.PATH,
              "Postfix's queue_directory, for --spool-watch and queue check-perms.")
          .inGroup(GROUP);

  public static final Setting<String> SPOOL_OWNER =
      Setting.value(
              "spool-owner",
              "USER",
              "postfix",
              Values.TEXT,
              "Postfix's mail_owner: the owner of every queue file and directory.")
          .inGroup(GROUP);

  public static final Setting<String> SPOOL_GROUP =
      Setting.value(
              "spool-group",
              "GROUP",
              "postdrop",
              Values.TEXT,
              "Postfix's setgid_group: the group of maildrop/, public/ and submitted files.")
          .inGroup(GROUP);

  /** What the watch and the check take (not {@link #SPOOL_WATCH}, the switch). */
  public static final List<Setting<?>> CHECK = List.of(QUEUE_DIRECTORY, SPOOL_OWNER, SPOOL_GROUP);

  /** Every spool setting, the switch first. */
  public static final List<Setting<?>> ALL =
      List.of(SPOOL_WATCH, QUEUE_DIRECTORY, SPOOL_OWNER, SPOOL_GROUP);

  /**
   * The watch's configuration with {@link #SPOOL_WATCH}, null without; without it, a spool setting
   * given is a mistake.
   *
   * @throws InvalidSetting naming the setting
   */
  public static SpoolConfig ifEnabled(Settings s) {
    if (s.get(SPOOL_WATCH)) return config(s);
    for (Setting<?> w : CHECK) check(!s.given(w), w.name(), "needs --spool-watch");
    return null;
  }

  /**
   * The configuration of {@code s}.
   *
   * @throws InvalidSetting naming the setting
   */
  public static SpoolConfig config(Settings s) {
    return new SpoolConfig(s.get(QUEUE_DIRECTORY), s.get(SPOOL_OWNER), s.get(SPOOL_GROUP));
  }
}
