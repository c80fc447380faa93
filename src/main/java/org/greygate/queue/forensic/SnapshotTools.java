package org.greygate.queue.forensic;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Values;
import org.greygate.feature.Tool;
import org.greygate.feature.ToolRun;

/**
 * {@code greygate queue snapshot|verify|diff}: the forensic snapshot as the queue feature's
 * commands (docs/queue-security.md). Exit codes: 0 done (verified, no difference), 1 a difference
 * or a failure (said on stderr or listed on stdout), 2 a usage error.
 */
public final class SnapshotTools {
  private SnapshotTools() {}

  /** How long {@code postqueue -j} may take. */
  static final Duration POSTQUEUE_TIMEOUT = Duration.ofMinutes(2);

  /** How long opening one spool file may take (an open of a fifo blocks). */
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(5);

  static final Setting<Path> OUT =
      Setting.value(
          "out",
          "DIR",
          null,
          Values.PATH,
          "Where the snapshot goes: a new or empty directory (created 0700), outside the spool."
              + " Required.");

  static final Setting<Path> SPOOL =
      Setting.value(
          "spool",
          "DIR",
          Path.of("/var/spool/postfix"),
          Values.PATH,
          "Postfix's queue directory (postconf -h queue_directory).");

  static final Setting<Path> MAIL_LOG =
      Setting.value(
          "mail-log",
          "FILE",
          Path.of("/var/log/mail.log"),
          Values.PATH,
          "The mail log, whose last 10,000 lines (at most 10 MiB) are kept; one that cannot be"
              + " read is recorded as such.");

  static final Setting<String> POSTQUEUE =
      Setting.value(
          "postqueue",
          "PATH",
          "/usr/sbin/postqueue",
          Values.TEXT,
          "Postfix's postqueue program, run as postqueue -j (no shell, at most 2 minutes); its"
              + " failure is recorded, not fatal.");

  static final Setting<String> POSTFIX_CONFIG_DIR =
      Setting.value(
          "postfix-config-dir",
          "DIR",
          null,
          Values.TEXT,
          "The Postfix instance configured in DIR (postqueue -c DIR; default: the system's).");

  static final Setting<String> MANIFEST_SHA256 =
      Setting.value(
          "manifest-sha256",
          "HEX",
          null,
          Values.TEXT,
          "The manifest's SHA-256 as recorded when the snapshot was taken (default: the one in"
              + " DIR/manifest.sha256, which whoever changed the manifest could change too).");

  static final Setting<Path> FROM =
      Setting.value(
          "from", "OLDER", null, Values.PATH, "The older snapshot's directory. Required.");

  /** {@code greygate queue snapshot --out=DIR}. */
  public static final Tool SNAPSHOT = new Snapshot();

  /** {@code greygate queue verify DIR}. */
  public static final Tool VERIFY = new Verify();

  /** {@code greygate queue diff --from=OLDER NEWER}. */
  public static final Tool DIFF = new Diff();

  private static final class Snapshot implements Tool {
    @Override
    public String name() {
      return "snapshot";
    }

    @Override
    public List<String> description() {
      return List.of(
          "Copy Postfix's queue read-only into --out: queue.zip (every file), manifest.txt (each"
              + " file's path, SHA-256, size, owner, group, mode, mtime, kind), postqueue -j's"
              + " listing and the mail log's tail; print the manifest's SHA-256 (as sha256sum"
              + " does), to record for the chain of custody.",
          "Never changes, renames or locks a file of Postfix's, never follows a link (recorded"
              + " with its target), never opens a fifo or device; a file that vanishes or"
              + " changes while copied is recorded as such. Run it as root (the queue is"
              + " postfix's, 0700).");
    }

    @Override
    public List<Setting<?>> settings() {
      return List.of(OUT, SPOOL, MAIL_LOG, POSTQUEUE, POSTFIX_CONFIG_DIR);
    }

    @Override
    public Parameter parameter() {
      return null;
    }

    @Override
    public int run(ToolRun run) throws Exception {
      Path out = run.settings().get(OUT);
      if (out == null) throw new IllegalArgumentException("--out=DIR is required");
      List<String> command = new ArrayList<>();
      command.add(run.settings().get(POSTQUEUE));
      String config = run.settings().get(POSTFIX_CONFIG_DIR);
      if (config != null) {
        command.add("-c");
        command.add(config);
      }
      command.add("-j");
      SnapshotTaker.Request request =
          new SnapshotTaker.Request(
              run.settings().get(SPOOL),
              out,
              run.settings().get(MAIL_LOG),
              command,
              POSTQUEUE_TIMEOUT,
              OPEN_TIMEOUT);
      SnapshotTaker.Result r;
      try {
        r = new SnapshotTaker(request, run.clock(), SnapshotTaker.Hook.NONE).take();
      } catch (java.io.IOException e) {
        run.err()
            .println(
                "greygate: the snapshot in "
                    + out
                    + " failed: "
                    + org.greygate.files.PrivateFiles.reason(e));
        return 1;
      }
      run.err().println("greygate: snapshot of " + request.spool() + ": " + r.counts());
      run.err().flush();
      run.out().println(r.sha256() + "  " + r.manifest());
      run.out().flush();
      return 0;
    }
  }

  private static final class Verify implements Tool {
    @Override
    public String name() {
      return "verify";
    }

    @Override
    public List<String> description() {
      return List.of(
          "Check a snapshot: the manifest's own SHA-256 (--manifest-sha256, or DIR/"
              + "manifest.sha256), every archived file's against the manifest, nothing more in"
              + " the archive.",
          "Exit 0 when all match; 1 naming each file that differs.");
    }

    @Override
    public List<Setting<?>> settings() {
      return List.of(MANIFEST_SHA256);
    }

    @Override
    public Parameter parameter() {
      return new Parameter("DIR", "The snapshot's directory.", true);
    }

    @Override
    public int run(ToolRun run) throws Exception {
      Path dir = Values.PATH.parse(run.parameter());
      SnapshotCheck.Report r = SnapshotCheck.verify(dir, run.settings().get(MANIFEST_SHA256));
      PrintWriter out = run.out();
      for (String d : r.differences()) out.println(d);
      if (r.differences().isEmpty()) {
        out.println(dir + ": verified, " + r.files() + " archived files match the manifest");
      } else {
        out.println(dir + ": " + r.differences().size() + " differences: NOT verified");
      }
      out.flush();
      return r.differences().isEmpty() ? 0 : 1;
    }
  }

  private static final class Diff implements Tool {
    @Override
    public String name() {
      return "diff";
    }

    @Override
    public List<String> description() {
      return List.of(
          "List the spool's files added, removed and changed (content, size, owner, group, mode,"
              + " kind, link target) from the snapshot --from=OLDER to NEWER, from their"
              + " manifests (verify both first).",
          "Exit 0 when nothing differs, 1 when something does.");
    }

    @Override
    public List<Setting<?>> settings() {
      return List.of(FROM);
    }

    @Override
    public Parameter parameter() {
      return new Parameter("NEWER", "The newer snapshot's directory.", true);
    }

    @Override
    public int run(ToolRun run) throws Exception {
      Path older = run.settings().get(FROM);
      if (older == null) throw new IllegalArgumentException("--from=OLDER is required");
      Path newer = Values.PATH.parse(run.parameter());
      List<String> lines;
      try {
        lines = SnapshotDiff.diff(older, newer);
      } catch (Manifest.Unreadable e) {
        run.err().println("greygate: " + e.getMessage());
        return 1;
      }
      PrintWriter out = run.out();
      lines.forEach(out::println);
      out.println(lines.isEmpty() ? "no differences" : lines.size() + " differences");
      out.flush();
      return lines.isEmpty() ? 0 : 1;
    }
  }
}
