package org.greygate.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import org.greygate.app.Features;
import org.greygate.app.StoreLocation;
import org.greygate.app.Stores;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.files.PrivateFiles;
import org.greygate.greylist.GreylistSettings;
import org.greygate.logline.BoundedLines;
import org.greygate.report.Report;
import org.greygate.report.ReportBuilder;
import org.greygate.report.ReportWriter;
import org.greygate.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What greylisting did: counts per day or hour, from the database or from log files. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    modelTransformer = ReportCommand.Options.class,
    versionProvider = Version.class,
    description = {
      "Show what greylisting did: answers by kind per day (or hour), and the reasons.",
      "From the database's per-hour counters (--dbdir; safe while the daemon runs), or from log",
      "files (--log: greygate's or Postgrey's decision lines, mail.log included, .gz read as is),",
      "which also show how many greylisted triplets never came back, how long passed mail",
      "waited, and the networks and sender domains greylisted most. Decisions are read only from",
      "the lines of greygate and Postgrey; their lines that do not parse, and lines over 64 KiB,",
      "are skipped and counted.",
      "A triplet greylisted less than --retry-window before now (or --to) may still come back, and"
          + " is left out of the effectiveness; --retry-window is the daemon's, as it recorded it in"
          + " DBDIR/serve.options when it started, unless given here."
    })
public final class ReportCommand implements Callable<Integer> {
  @Mixin DbdirOption db;

  @Option(
      names = "--store",
      paramLabel = "URL",
      description =
          "Read the counters of a shared Redis store (redis://..., rediss://..., redis-sentinel://..., redis-cluster://...) instead of --dbdir: the whole site's decisions.")
  String store;

  @Option(
      names = "--log",
      paramLabel = "FILE",
      description = "Read decisions from this log file instead ('-' for stdin); repeatable.")
  List<String> logs = new ArrayList<>();

  @Option(
      names = "--since",
      paramLabel = "N{d|h}",
      description = "The last N days or hours (default: 7d; with --log: everything).")
  String since;

  @Option(
      names = "--from",
      paramLabel = "DATE",
      description = "From this day (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM), local time.")
  String fromText;

  @Option(
      names = "--to",
      paramLabel = "DATE",
      description = "Up to and including this day, or up to this time.")
  String toText;

  @Option(
      names = "--context",
      paramLabel = "NAME",
      description =
          "Only the decisions of the policy set NAME (policy_context=NAME in the log lines;"
              + " 'default': requests that named no set). Needs --log.")
  String context;

  @Option(names = "--hourly", description = "One row per hour instead of per day.")
  boolean hourly;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "text (a table), json or csv (default: ${DEFAULT-VALUE}).")
  String format = "text";

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "Also write the report as one self-contained web page (charts in inline SVG, no script, nothing fetched) to FILE; stdout then stays quiet unless --format is given.")
  Path html;

  /** The daemon's settings a report needs: its times, and how to reach Redis. */
  static final List<Setting<?>> SETTINGS =
      java.util.stream.Stream.concat(
              GreylistSettings.TIMES.stream(), Stores.SHARED_STORE_SETTINGS.stream())
          .toList();

  /** Adds {@link #SETTINGS}' options. */
  static final class Options implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      return SettingOptions.addTo(spec, SETTINGS);
    }
  }

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ReportWriter.Format f;
    try {
      f = ReportWriter.Format.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new GreygateCli.UsageError("--format must be text, json or csv, got '" + format + "'");
    }
    // the daemon's times as it recorded them beside its database, the command line's replacing them
    Settings settings =
        RecordedOptions.settings(db.dbdir, GreylistSettings.TIMES)
            .and(SettingOptions.read(spec, SETTINGS));
    long retryWindow = settings.get(GreylistSettings.RETRY_WINDOW);
    ZoneId zone = ZoneId.systemDefault();
    Clock clock = Clock.system(zone);
    long now = clock.instant().getEpochSecond();
    long from = Long.MIN_VALUE;
    long to = Long.MAX_VALUE;
    if (since != null || (logs.isEmpty() && fromText == null)) {
      from = now - sinceSeconds(since == null ? "7d" : since);
    }
    if (fromText != null) from = time(fromText, "--from", zone, false);
    if (toText != null) to = time(toText, "--to", zone, true);
    ReportBuilder builder =
        new ReportBuilder(
            Features.reasons(), zone, hourly, from, to, retryWindow, Math.min(now, to));
    if (context != null) {
      if (logs.isEmpty()) {
        throw new GreygateCli.UsageError(
            "--context needs --log: the database's counters are not kept by policy set");
      }
      builder.onlyPolicySet(context);
    }
    String source;
    PrintWriter err = spec.commandLine().getErr();
    if (!logs.isEmpty()) {
      LocalDate today = LocalDate.now(clock);
      builder.readingLogs();
      for (String log : logs) {
        try (BoundedLines in = open(log)) {
          for (String line = in.next(); line != null; line = in.next()) {
            builder.add(line, today);
          }
          builder.skip(in.overLong());
        } catch (IOException e) {
          err.println("greygate: --log " + log + ": " + PrivateFiles.reason(e));
          return GreygateCli.EXIT_FAILURE;
        }
      }
      source = "log " + String.join(", ", logs);
    } else if (store != null) {
      long fromHour = from == Long.MIN_VALUE ? 0 : from - Math.floorMod(from, 3600);
      long toHour = to == Long.MAX_VALUE ? Long.MAX_VALUE : to;
      StoreLocation shared =
          StoreLocation.of(store, "store", settings, java.time.Duration.ofSeconds(10));
      // expiry only sets TTLs of rows written; a report writes none
      try (org.greygate.store.TripletStore counters =
          Stores.open(
              shared,
              Stores.Access.INSPECT,
              GreylistSettings.expiry(settings),
              java.time.Duration.ZERO)) {
        counters.forEachDecisionCount(fromHour, toHour, builder::add);
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      source = "store " + shared.describe();
    } else {
      db.requireDatabase();
      long fromHour = from == Long.MIN_VALUE ? 0 : from - Math.floorMod(from, 3600);
      long toHour = to == Long.MAX_VALUE ? Long.MAX_VALUE : to;
      try (org.greygate.store.TripletStore store =
          Stores.open(
              new StoreLocation.Lmdb(db.dbdir),
              Stores.Access.INSPECT,
              GreylistSettings.expiry(settings),
              java.time.Duration.ZERO)) {
        store.forEachDecisionCount(fromHour, toHour, builder::add);
      } catch (StoreException e) {
        err.println("greygate: " + e.getMessage());
        return GreygateCli.EXIT_FAILURE;
      }
      source = "database " + db.dbdir;
    }
    Report report = builder.build(source);
    if (html != null) {
      // written beside at a random name and renamed, so a web server never serves half a page
      // and a link planted in the directory is never followed
      Path tmp = null;
      try {
        tmp = PrivateFiles.createOutputBeside(html);
        try (PrintWriter out =
            new PrintWriter(
                Files.newBufferedWriter(
                    tmp, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.WRITE))) {
          ReportWriter.writeHtml(report, out);
          if (out.checkError()) throw new IOException("write failed");
        }
        Files.move(
            tmp,
            html,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        err.println("greygate: --html " + html + ": " + PrivateFiles.reason(e));
        if (tmp != null) tmp.toFile().delete();
        return GreygateCli.EXIT_FAILURE;
      }
      if (!spec.commandLine().getParseResult().hasMatchedOption("--format")) {
        return GreygateCli.EXIT_OK;
      }
    }
    ReportWriter.write(report, f, spec.commandLine().getOut());
    return GreygateCli.EXIT_OK;
  }

  /** Lines of at most 64 KiB: a longer one is dropped and counted, whatever its length. */
  private static BoundedLines open(String log) throws IOException {
    InputStream in = log.equals("-") ? System.in : Files.newInputStream(Path.of(log));
    if (log.endsWith(".gz")) in = new GZIPInputStream(in, 65536);
    return new BoundedLines(
        new InputStreamReader(new BufferedInputStream(in, 65536), StandardCharsets.UTF_8),
        BoundedLines.MAX_LINE);
  }

  static long sinceSeconds(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("d")) return Long.parseLong(t.substring(0, t.length() - 1)) * 86_400;
      if (t.endsWith("h")) return Long.parseLong(t.substring(0, t.length() - 1)) * 3600;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new GreygateCli.UsageError(
        "--since must be N days or N hours, e.g. 7d or 24h, got '" + text + "'");
  }

  /** A day (its start, or with {@code end} the start of the next day) or a local time. */
  static long time(String text, String option, ZoneId zone, boolean end) {
    try {
      if (text.length() == 10) {
        LocalDate d = LocalDate.parse(text);
        return (end ? d.plusDays(1) : d).atStartOfDay(zone).toEpochSecond();
      }
      return LocalDateTime.parse(text).atZone(zone).toEpochSecond();
    } catch (DateTimeParseException e) {
      throw new GreygateCli.UsageError(
          option + " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got '" + text + "'");
    }
  }
}
