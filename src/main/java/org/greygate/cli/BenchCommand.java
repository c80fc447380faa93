package org.greygate.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.greygate.bench.LoadGenerator;
import org.greygate.bench.ServerCounters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Closed-loop load against a running policy server. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Load a policy server the way Postfix does and report requests/s, latency and answers.",
      "Each connection sends one request (about 30 attributes, as Postfix 3.7 sends at RCPT) and",
      "waits for the answer. Use it on a test instance: it fills the greylist.",
    })
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--target",
      required = true,
      paramLabel = "HOST:PORT|unix:PATH",
      description = "The server to load.")
  String target;

  @Option(
      names = "--connections",
      paramLabel = "N",
      description = "Concurrent connections (default: ${DEFAULT-VALUE}).")
  int connections = 8;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Measured time (default: ${DEFAULT-VALUE}).")
  double duration = 10;

  @Option(
      names = "--warmup",
      paramLabel = "SECONDS",
      description = "Unmeasured time first (default: ${DEFAULT-VALUE}).")
  double warmup = 2;

  @Option(
      names = "--keyspace",
      paramLabel = "K",
      description =
          "Distinct triplets to pick from; small K means mostly known triplets (default: ${DEFAULT-VALUE}).")
  long keyspace = 100_000;

  @Option(
      names = "--key-offset",
      paramLabel = "N",
      description =
          "Use triplets N..N+K-1 (default: ${DEFAULT-VALUE}); a new offset gives triplets the server has not seen.")
  long keyOffset;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "Load threads, each driving its share of the connections with non-blocking I/O (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(
      names = "--mix",
      paramLabel = "MIX",
      description =
          "rcpt: RCPT-time requests, as greylisting sees them (default); submission: END-OF-MESSAGE requests of --keyspace authenticated users, as rate limits see them.")
  String mix = "rcpt";

  @Option(
      names = "--profile",
      paramLabel = "PROFILE",
      description =
          "Which triplets: uniform (drawn from --keyspace; default), new (every request a triplet"
              + " never sent: a spam wave), wave (as new, scattered over client networks, senders"
              + " and recipients as a botnet's are: every insert on a random page of the store),"
              + " mix (70%% new, 20%% retries of earlier ones, 10%% a hot"
              + " set of known senders), known (up to 10,000 triplets, all seen after the"
              + " warm-up).")
  String profile = "uniform";

  @Option(
      names = "--metrics",
      paramLabel = "[HOST:]PORT|URL",
      description =
          "The server's Prometheus endpoint (its --metrics): read greygate_fail_open_total before"
              + " and after the run, so fail-open answers are counted apart from real ones (by"
              + " default a fail-open answer is DUNNO, like a passed triplet).")
  String metrics;

  @Option(
      names = "--tail",
      paramLabel = "SECONDS",
      description =
          "Also report the rate over the last SECONDS of the measured time (default:"
              + " ${DEFAULT-VALUE}); with --profile=new and --duration=90 or more it is the"
              + " sustained rate on a growing store, beside the whole run's (burst) rate.")
  double tail = 30;

  @Option(
      names = "--label",
      paramLabel = "TEXT",
      description = "Name for the result line (default: the target).")
  String label;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!mix.equals("rcpt") && !mix.equals("submission")) {
      throw new GreygateCli.UsageError("--mix must be rcpt or submission, got '" + mix + "'");
    }
    LoadGenerator gen =
        new LoadGenerator(
            LoadGenerator.parseTarget(target),
            connections,
            keyspace,
            threads,
            keyOffset,
            mix.equals("submission"));
    try {
      gen.profile(LoadGenerator.Profile.valueOf(profile.toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError(
          "--profile must be uniform, new, wave, mix or known, got '" + profile + "'");
    }
    if (tail <= 0) {
      throw new GreygateCli.UsageError("--tail must be > 0, got " + tail);
    }
    ServerCounters counters = metrics == null ? null : ServerCounters.at(metrics);
    ServerCounters.Reading[] readings = new ServerCounters.Reading[3];
    if (counters != null) {
      try {
        counters.read(); // a wrong --metrics is told before the load, not blamed on the target
      } catch (java.io.IOException e) {
        spec.commandLine()
            .getErr()
            .println("greygate bench: cannot read " + counters.uri() + ": " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      gen.onPhase(tail, phase -> readings[phase.ordinal()] = counters.read());
    } else {
      gen.onPhase(tail, phase -> {});
    }
    LoadGenerator.Result r;
    try {
      r = gen.run(warmup, duration);
    } catch (java.io.IOException e) {
      spec.commandLine()
          .getErr()
          .println("greygate bench: cannot load " + target + ": " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
    PrintWriter out = spec.commandLine().getOut();
    String failOpen = "unknown";
    String failOpenTail = "unknown";
    String dropped = "unknown";
    ServerCounters.Reading whole = null;
    if (counters != null) {
      whole = readings[2].since(readings[0]);
      failOpen = String.format(Locale.ROOT, "%.0f", whole.failOpen());
      failOpenTail = String.format(Locale.ROOT, "%.0f", readings[2].since(readings[1]).failOpen());
      dropped =
          whole.dropsCounted()
              ? String.format(Locale.ROOT, "%.0f", whole.writesDropped())
              : "not-counted";
    }
    double tailSeconds = Math.min(tail, Math.floor(duration));
    out.println(
        String.format(
            Locale.ROOT,
            "%s profile=%s connections=%d keyspace=%d requests=%d rps=%.0f tail_s=%.0f tail_rps=%.0f"
                + " fail_open=%s fail_open_tail=%s writes_dropped=%s p50_us=%.0f p99_us=%.0f"
                + " p999_us=%.0f max_us=%.0f errors=%d answers=%s",
            label != null ? label : target,
            profile.toLowerCase(Locale.ROOT),
            r.connections(),
            keyspace,
            r.requests(),
            r.throughput(),
            tailSeconds,
            r.throughputOverLast(tail),
            failOpen,
            failOpenTail,
            dropped,
            r.latency().percentileMicros(0.50),
            r.latency().percentileMicros(0.99),
            r.latency().percentileMicros(0.999),
            r.latency().maxMicros(),
            r.errors(),
            r.answers()));
    if (whole != null) {
      out.println(
          String.format(
              Locale.ROOT,
              "answers %d, of which fail-open %.0f (%.2f %%); writes dropped under overload %s"
                  + " (from %s)",
              r.requests(),
              whole.failOpen(),
              r.requests() == 0 ? 0 : 100.0 * whole.failOpen() / r.requests(),
              dropped,
              counters.uri()));
    }
    out.flush();
    return r.errors() > 0 ? GreygateCli.EXIT_FAILURE : GreygateCli.EXIT_OK;
  }
}
