package org.greygate.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.greygate.config.Durations;
import org.greygate.config.InvalidSetting;
import org.greygate.queue.QueueWatchConfig;
import org.greygate.queue.Watermark;
import picocli.CommandLine.Option;

/** The queue watch's options, shared by {@code serve --queue-watch} and {@code queue-watch}. */
final class QueueWatchOptions {
  @Option(
      names = "--queue-interval",
      paramLabel = "DURATION",
      description = "Read Postfix's queue this often: 30s, 1m, ... (default: ${DEFAULT-VALUE}).")
  String interval = "1m";

  @Option(
      names = "--queue-alert",
      paramLabel = "QUEUE:COUNT",
      description =
          "Alert (action=queue-alert) when COUNT or more messages are in QUEUE: maildrop, incoming, active, deferred or hold, e.g. deferred:1000 or hold:1. Repeatable.")
  List<String> watermarks = new ArrayList<>();

  @Option(
      names = "--queue-alert-repeat",
      paramLabel = "DURATION",
      description =
          "While a queue stays past its watermark, alert again this often (default: ${DEFAULT-VALUE}).")
  String repeat = "15m";

  @Option(
      names = "--postqueue",
      paramLabel = "PATH",
      description = "Postfix's postqueue program (default: ${DEFAULT-VALUE}).")
  String postqueue = "/usr/sbin/postqueue";

  @Option(
      names = "--postfix-config-dir",
      paramLabel = "DIR",
      description =
          "Watch the Postfix instance configured in DIR (postqueue -c DIR; default: the system's).")
  String postfixConfigDir;

  @Option(
      names = "--mail-log",
      paramLabel = "FILE",
      description =
          "Follow Postfix's mail log (e.g. /var/log/mail.log) for releases from hold and outbound volume (default: off).")
  Path mailLog;

  @Option(
      names = "--release-alert",
      paramLabel = "N",
      description =
          "Alert when N or more messages are released from hold (postsuper -r) within one interval (default: ${DEFAULT-VALUE}).")
  long releaseThreshold = 20;

  @Option(
      names = "--volume-alert",
      paramLabel = "FACTOR",
      description =
          "Alert when one interval's delivery attempts pass FACTOR times the trailing baseline (default: ${DEFAULT-VALUE}; 0 = off).")
  double volumeFactor = 5;

  @Option(
      names = "--volume-baseline",
      paramLabel = "DURATION",
      description = "The trailing span the volume baseline averages (default: ${DEFAULT-VALUE}).")
  String baseline = "1h";

  @Option(
      names = "--volume-min",
      paramLabel = "N",
      description =
          "Never alert on volume below N delivery attempts in one interval (default: ${DEFAULT-VALUE}).")
  long volumeMin = 100;

  @Option(
      names = "--volume-agents",
      paramLabel = "AGENT",
      split = ",",
      description =
          "Delivery agents whose attempts count as outbound volume, as they are named in the log (default: smtp).")
  List<String> agents = new ArrayList<>(List.of("smtp"));

  QueueWatchConfig config() {
    long every = duration("--queue-interval", interval, 1, 3600);
    long again = duration("--queue-alert-repeat", repeat, 1, 7 * 86_400L);
    long span = duration("--volume-baseline", baseline, 1, 7 * 86_400L);
    if (postqueue.isBlank()) {
      throw new GreygateCli.UsageError("--postqueue must name Postfix's postqueue program");
    }
    if (postfixConfigDir != null && postfixConfigDir.isBlank()) {
      throw new GreygateCli.UsageError("--postfix-config-dir must name a directory, got ''");
    }
    List<Watermark> marks = new ArrayList<>();
    for (String w : watermarks) {
      try {
        marks.add(Watermark.parse(w));
      } catch (IllegalArgumentException e) {
        throw new GreygateCli.UsageError("--queue-alert: " + e.getMessage());
      }
    }
    Set<String> names = new LinkedHashSet<>();
    for (String a : agents) {
      String t = a.strip();
      if (!t.matches("[A-Za-z0-9_.-]+")) {
        throw new GreygateCli.UsageError("--volume-agents: '" + a + "' is not an agent name");
      }
      names.add(t);
    }
    try {
      return new QueueWatchConfig(
          QueueWatchConfig.postqueueCommand(postqueue, postfixConfigDir),
          every,
          marks,
          again,
          mailLog,
          releaseThreshold,
          volumeFactor,
          span,
          volumeMin,
          names);
    } catch (InvalidSetting e) {
      String option =
          switch (e.setting()) {
            case "interval" -> "--queue-interval";
            case "repeat" -> "--queue-alert-repeat";
            case "releaseThreshold" -> "--release-alert";
            case "volumeFactor" -> "--volume-alert";
            case "baseline" -> "--volume-baseline";
            case "volumeMin" -> "--volume-min";
            case "agents" -> "--volume-agents";
            default -> "--postqueue";
          };
      throw new GreygateCli.UsageError(option + " " + e.problem());
    }
  }

  private static long duration(String option, String value, long min, long max) {
    try {
      return Durations.seconds(value, min, max);
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError(option + ": " + e.getMessage());
    }
  }
}
