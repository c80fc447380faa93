package org.greygate.queue.spool;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.feature.Tool;
import org.greygate.feature.ToolRun;

/**
 * {@code greygate queue check-perms}: the spool watch's rules, once, as a report: one line per
 * finding (the alert line the watch would log), exit 0 when clean, 1 with findings or when the
 * spool cannot be read.
 */
public final class CheckPermsTool implements Tool {
  @Override
  public String name() {
    return "check-perms";
  }

  @Override
  public List<String> description() {
    return List.of(
        "Check Postfix's queue directories and queued files as the spool watch does (owners,"
            + " modes, file types, queue IDs, files Postfix did not make there) and print each"
            + " finding.",
        "Exit 0 when clean, 1 with findings. Reads metadata only, never a message; run it as root"
            + " (or as Postfix's mail_owner).");
  }

  @Override
  public List<Setting<?>> settings() {
    return SpoolSettings.CHECK;
  }

  @Override
  public Parameter parameter() {
    return null;
  }

  @Override
  public int run(ToolRun run) {
    SpoolConfig c = SpoolSettings.config(run.settings());
    PrintWriter out = run.out();
    if (!Files.isDirectory(c.root(), LinkOption.NOFOLLOW_LINKS)) {
      run.err()
          .println(
              "greygate: "
                  + c.root()
                  + " is not a directory (a link is not followed); give Postfix's queue_directory"
                  + " with --queue-directory");
      return 1;
    }
    List<Finding> found;
    try {
      found = SpoolCheck.all(c, run.clock().instant().getEpochSecond());
    } catch (IOException e) {
      run.err().println("greygate: cannot read the spool " + c.root() + ": " + e);
      return 1;
    }
    for (Finding f : found) out.println(f.text());
    out.println(
        found.isEmpty()
            ? "spool " + c.root() + ": no findings"
            : "spool " + c.root() + ": " + found.size() + " findings");
    out.flush();
    return found.isEmpty() ? 0 : 1;
  }
}
