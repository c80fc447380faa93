package org.greygate.queue;

import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.feature.Assembly;
import org.greygate.feature.Feature;
import org.greygate.feature.Tool;
import org.greygate.queue.forensic.SnapshotTools;
import org.greygate.queue.spool.CheckPermsTool;
import org.greygate.queue.spool.SpoolSettings;
import org.greygate.queue.spool.SpoolWatch;

/**
 * The queue watch inside the daemon ({@code --queue-watch}): queue sizes as metrics, watermark,
 * release and volume alerts (docs/outbound.md). Starts once the daemon listens, stops before it
 * stops listening; nothing in {@code check}.
 */
public final class QueueWatchFeature implements Feature {
  @Override
  public String name() {
    return "queue watch";
  }

  @Override
  public boolean decides() {
    return false;
  }

  @Override
  public List<Setting<?>> settings() {
    List<Setting<?>> all = new java.util.ArrayList<>();
    all.add(QueueWatchSettings.QUEUE_WATCH);
    all.addAll(QueueWatchSettings.ALL);
    all.addAll(SpoolSettings.ALL);
    return List.copyOf(all);
  }

  @Override
  public void validate(Settings settings) {
    if (QueueWatchSettings.ifEnabled(settings) != null) SpoolSettings.ifEnabled(settings);
    else for (Setting<?> s : SpoolSettings.ALL) QueueWatchSettings.requireWatch(settings, s);
  }

  @Override
  public Tool.Group tools() {
    return new Tool.Group(
        "queue",
        "Postfix's queue: integrity checks, and after an incident a snapshot to verify and diff"
            + " (docs/queue-security.md).",
        List.of(
            new CheckPermsTool(),
            SnapshotTools.SNAPSHOT,
            SnapshotTools.VERIFY,
            SnapshotTools.DIFF));
  }

  @Override
  public void install(Assembly at) {
    QueueWatchConfig config = QueueWatchSettings.ifEnabled(at.settings());
    if (config == null || at.use() != Assembly.Use.SERVE) return;
    QueueWatch watch =
        new QueueWatch(
            config, at.metrics(), at.jsonLines(), () -> at.clock().instant().getEpochSecond());
    at.resource(watch);
    at.onStart(watch::start);
    SpoolWatch spool =
        SpoolWatch.ifEnabled(at.settings(), at.metrics(), at.jsonLines(), at.clock());
    if (spool != null) {
      spool.onFinding(f -> watch.alsoAlert(f.json()));
      at.resource(spool);
      at.onStart(spool::startOrLog);
    }
  }
}
