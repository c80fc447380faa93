package org.greygate.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.greygate.app.DaemonSettings;
import org.greygate.app.DoctorFacts;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Settings;
import org.greygate.doctor.Doctor;
import org.greygate.doctor.Finding;
import org.greygate.doctor.GreygateFacts;
import org.greygate.doctor.LocalSurroundings;
import org.greygate.doctor.Postconf;
import org.greygate.doctor.PostfixConfig;
import org.greygate.logline.TerminalText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Reads Postfix's configuration ({@code postconf}) and greygate's (the daemon's options: --config
 * FILE, or those the daemon recorded in --dbdir) and prints what is wrong, each with the line to
 * write. Exit 0 when nothing is, 1 with findings, 2 when it cannot read a configuration.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    modelTransformer = DaemonOptions.Options.class,
    versionProvider = Version.class,
    description = {
      "Check that Postfix asks greygate where it should, and greygate can do what it is asked.",
      "Reads Postfix's configuration with postconf (main.cf and master.cf; --postfix-dir DIR",
      "for another instance) and the daemon's options",
      "(--config FILE, or those the daemon recorded in --dbdir when it started; the command line",
      "wins), then prints each problem with the line to write: the policy check before",
      "permit_sasl_authenticated, permit_mynetworks or reject_unauth_destination; rate limits not",
      "asked at the end of the message; a unix socket a chrooted smtpd cannot reach; Postfix",
      "keeping policy connections idle longer than greygate; no decision for when greygate is",
      "down; a listener that does not answer; files the daemon's user cannot read.",
      "Exit status: 0 nothing found, 1 findings, 2 a configuration could not be read.",
      "Example: greygate doctor --config=/etc/greygate/greygate.conf"
    })
public final class DoctorCommand implements Callable<Integer> {
  @Mixin DaemonOptions options;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Read greygate's options from FILE, as serve does (instead of the recorded ones).")
  Path config;

  @Option(
      names = "--postconf",
      paramLabel = "PROGRAM",
      defaultValue = "postconf",
      description = "Postfix's postconf (default: postconf on the PATH).")
  String postconf;

  @Option(
      names = "--postfix-dir",
      paramLabel = "DIR",
      description =
          "Postfix's configuration directory (postconf -c DIR; default: the queue watch's"
              + " --postfix-config-dir when the daemon has one, else Postfix's own).")
  Path postfixDir;

  @Option(
      names = "--daemon-user",
      paramLabel = "USER",
      description =
          "The user the daemon runs as, for the file checks (default: --user, else greygate when"
              + " that user exists, as the package's unit runs it).")
  String daemonUser;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GreygateFacts facts;
    Settings settings = options.settings();
    try {
      facts = DoctorFacts.of(settings, Version.get());
    } catch (InvalidSetting e) {
      throw new GreygateCli.UsageError(e.getMessage());
    }
    // else the daemon's --postfix-config-dir (the queue watch's) names the Postfix instance
    Object dir = settings.get(Settings.find(DaemonSettings.ALL, "postfix-config-dir"));
    Path postfixConfigDir =
        postfixDir != null ? postfixDir : dir == null ? null : Path.of(dir.toString());
    String user = daemonUser != null ? daemonUser : facts.user();
    if (user == null && LocalSurroundings.userExists("greygate")) user = "greygate";
    facts =
        new GreygateFacts(
            facts.listeners(),
            facts.idleTimeout(),
            facts.endOfMessage(),
            facts.files(),
            user,
            facts.policySets());
    PostfixConfig postfix;
    try {
      postfix = new Postconf(postconf, postfixConfigDir).read();
    } catch (IOException e) {
      err.println("greygate doctor: cannot read Postfix's configuration: " + e.getMessage());
      return GreygateCli.EXIT_USAGE;
    }
    List<Finding> findings = Doctor.examine(postfix, facts, new LocalSurroundings());
    if (findings.isEmpty()) {
      out.println(
          "greygate doctor: nothing to fix (Postfix "
              + postfix.parameters().getOrDefault("mail_version", "?")
              + ")");
      return GreygateCli.EXIT_OK;
    }
    out.println(
        "greygate doctor: " + findings.size() + (findings.size() == 1 ? " finding" : " findings"));
    int n = 1;
    for (Finding f : findings) {
      out.println();
      out.println(
          n++ + ". " + TerminalText.visible(f.where()) + ": " + TerminalText.visible(f.problem()));
      out.println("   fix: " + TerminalText.visible(f.fix()));
    }
    out.flush();
    return GreygateCli.EXIT_FAILURE;
  }
}
