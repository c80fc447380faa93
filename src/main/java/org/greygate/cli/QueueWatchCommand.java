package org.greygate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.greygate.app.MetricsListener;
import org.greygate.config.Settings;
import org.greygate.metrics.Metrics;
import org.greygate.metrics.prometheus.PrometheusMetrics;
import org.greygate.queue.QueueCounts;
import org.greygate.queue.QueueWatch;
import org.greygate.queue.QueueWatchConfig;
import org.greygate.queue.QueueWatchSettings;
import org.greygate.queue.Watermark;
import org.greygate.queue.spool.SpoolSettings;
import org.greygate.queue.spool.SpoolWatch;
import org.greygate.server.HttpEndpoint;
import org.greygate.server.ServerSettings;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The queue watch on its own, for a host where Postfix runs without greygate's policy service, or
 * for a one-off look ({@code --once}).
 */
@Command(
    name = "queue-watch",
    mixinStandardHelpOptions = true,
    modelTransformer = QueueWatchOptions.Options.class,
    versionProvider = Version.class,
    description = {
      "Watch Postfix's queue: sizes as metrics, alerts past watermarks, mass releases from hold and"
          + " outbound volume jumps from the mail log (docs/outbound.md).",
      "With --once: print the queue sizes and exit (1 if a queue is past its watermark)."
    })
final class QueueWatchCommand implements Callable<Integer> {
  @Mixin QueueWatchOptions options;

  @Option(names = "--once", description = "Read the queue once, print it and exit.")
  boolean once;

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      description = "Alert lines as Postgrey-style text or one JSON object each (default: text).")
  String logFormat = "text";

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Settings settings = options.settings();
    QueueWatchConfig config = QueueWatchSettings.config(settings);
    InetSocketAddress at = ServerSettings.metricsAddress(settings);
    boolean json = jsonFormat(logFormat);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (once) {
      if (SpoolSettings.ifEnabled(settings) != null) {
        // the spool watch reports changes as they happen: a single reading has none to report
        err.println(
            "greygate: note: --spool-watch follows changes as they happen and does not run with"
                + " --once; for a one-off look at the spool's files run: greygate queue"
                + " check-perms");
      }
      QueueCounts counts;
      try (QueueWatch watch = new QueueWatch(config, Metrics.NONE, json, QueueWatchCommand::now)) {
        counts = watch.readOnce();
      } catch (IOException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      return print(counts, config, out);
    }
    PrometheusMetrics prometheus = at == null ? null : new PrometheusMetrics();
    QueueWatch watch =
        new QueueWatch(
            config, prometheus == null ? Metrics.NONE : prometheus, json, QueueWatchCommand::now);
    HttpEndpoint endpoint = null;
    if (prometheus != null) {
      try {
        endpoint = MetricsListener.start(at, prometheus, watch::problem);
      } catch (IOException e) {
        err.println(
            "greygate: --metrics "
                + at.getHostString()
                + ":"
                + at.getPort()
                + ": cannot listen: "
                + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
    }
    SpoolWatch spool =
        SpoolWatch.ifEnabled(
            settings, prometheus == null ? Metrics.NONE : prometheus, json, Clock.systemUTC());
    if (spool != null) {
      spool.onFinding(f -> watch.alsoAlert(f.json()));
      try {
        spool.start();
      } catch (IOException e) {
        err.println("greygate: --spool-watch: " + e.getMessage());
        spool.close();
        watch.close();
        if (endpoint != null) endpoint.close();
        return GreygateCli.EXIT_FAILURE;
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    HttpEndpoint ep = endpoint;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (spool != null) spool.close();
                  watch.close();
                  if (ep != null) ep.close();
                  ((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory()).stop();
                  stopped.countDown();
                },
                "shutdown"));
    watch.start();
    stopped.await();
    return GreygateCli.EXIT_OK;
  }

  /** The table, then each watermark's state; 1 when a queue is past its watermark. */
  static int print(QueueCounts counts, QueueWatchConfig config, PrintWriter out) {
    out.printf(Locale.ROOT, "%-10s %10s %14s%n", "queue", "messages", "bytes");
    for (String q : counts.queues().keySet()) {
      QueueCounts.Totals t = counts.get(q);
      out.printf(Locale.ROOT, "%-10s %10d %14d%n", q, t.messages(), t.bytes());
    }
    if (counts.unreadable() > 0) {
      out.println(counts.unreadable() + " lines of the listing were not understood");
    }
    int code = GreygateCli.EXIT_OK;
    for (Watermark w : config.watermarks()) {
      long n = counts.get(w.queue()).messages();
      boolean past = n >= w.threshold();
      out.printf(
          Locale.ROOT,
          "%s %s: %d messages, watermark %d%n",
          past ? "ALERT" : "ok   ",
          w.queue(),
          n,
          w.threshold());
      if (past) code = GreygateCli.EXIT_FAILURE;
    }
    out.flush();
    return code;
  }

  static boolean jsonFormat(String format) {
    String f = format.strip().toLowerCase(Locale.ROOT);
    if (f.equals("json")) return true;
    if (f.equals("text")) return false;
    throw new GreygateCli.UsageError("--log-format must be text or json, got '" + format + "'");
  }

  /** The watch's clock (epoch seconds): the system's, chosen here where the watch is built. */
  private static long now() {
    return Clock.systemUTC().instant().getEpochSecond();
  }
}
