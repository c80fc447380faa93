package org.greygate.cli;

import ch.qos.logback.classic.Level;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.greygate.app.Check;
import org.greygate.app.PolicySetSettings;
import org.greygate.config.ConfigurationException;
import org.greygate.config.Settings;
import org.greygate.logline.TerminalText;
import org.greygate.policy.DecisionLog;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.StoreException;
import org.greygate.store.StoreSettings;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Answers one request as the daemon would: the same options (and configuration file, or the options
 * the daemon recorded in its database directory), the same policy chain, against the daemon's
 * database in a dry run that changes nothing.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    modelTransformer = DaemonOptions.Options.class,
    versionProvider = Version.class,
    description = {
      "Answer one policy request as the daemon would, without changing the database.",
      "Reads --dbdir beside the running daemon. Takes the daemon's options: --config FILE, or those the",
      "daemon recorded in --dbdir when it started; the command line wins. Attributes come as NAME=VALUE",
      "arguments, or from stdin in the policy protocol format when none are given. Prints the",
      "reply, and the log line on stderr.",
      "Example: greygate check --dbdir=/var/lib/greygate client_address=192.0.2.1 \\",
      "           client_name=mx.example.org sender=a@example.org recipient=b@example.net"
    })
public final class CheckCommand implements Callable<Integer> {
  @Mixin DaemonOptions options;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Read options from FILE, as serve does (instead of the recorded ones).")
  Path config;

  @Option(
      names = "--policy-context",
      paramLabel = "NAME",
      description =
          "Ask as Postfix's policy_context=NAME does: the policy set NAME answers (it must be"
              + " declared with --policy-set).")
  String policyContext;

  @Parameters(paramLabel = "NAME=VALUE", arity = "0..*", description = "Request attributes.")
  List<String> attributes = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PolicyRequest request = request();
    Settings settings = options.settings();
    if (policyContext != null) {
      java.util.Set<String> declared = new java.util.TreeSet<>();
      for (PolicySetSettings.Declared d : settings.get(PolicySetSettings.POLICY_SET)) {
        declared.add(d.name());
      }
      if (!declared.contains(policyContext)) {
        throw new GreygateCli.UsageError(
            "--policy-context="
                + TerminalText.visible(policyContext)
                + ": no such policy set"
                + (declared.isEmpty()
                    ? " (none is declared: add policy-set lines to the configuration)"
                    : " (declared: " + String.join(", ", declared) + ")")
                + "; the daemon answers such a request with the default set");
      }
    }
    Path dbdir = settings.get(StoreSettings.DBDIR);
    DbdirOption.requireDatabase(dbdir, true); // none yet: answered as a new daemon would
    try (Check check = Check.open(settings, Version.get(), Clock.systemUTC())) {
      // the reply alone on stdout; the decision line on stderr, not through the daemon's log
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("greygate.decision"))
          .setLevel(Level.OFF);
      Outcome outcome = check.decide(request);
      String set = check.policySetOf(request);
      if (check.storeFailed()) {
        spec.commandLine()
            .getErr()
            .println("greygate: the store failed; the daemon would fail open");
      }
      spec.commandLine()
          .getOut()
          .print(new String(PolicyReply.encode(outcome), StandardCharsets.UTF_8));
      spec.commandLine().getOut().flush();
      spec.commandLine()
          .getErr()
          .println(
              check.jsonLines()
                  ? DecisionLog.json(request, outcome, set)
                  : DecisionLog.format(request, outcome, set));
      return check.storeFailed() ? GreygateCli.EXIT_FAILURE : GreygateCli.EXIT_OK;
    } catch (ConfigurationException e) {
      throw new GreygateCli.UsageError(e.getMessage());
    } catch (StoreException e) {
      spec.commandLine().getErr().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
  }

  private PolicyRequest request() throws IOException {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("request", "smtpd_access_policy");
    attrs.put("protocol_state", "RCPT");
    List<String> lines = attributes;
    if (lines.isEmpty()) {
      lines = new ArrayList<>();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        lines.add(line);
      }
    }
    for (String a : lines) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new GreygateCli.UsageError("attribute '" + a + "' is not NAME=VALUE");
      }
      attrs.put(a.substring(0, eq), a.substring(eq + 1));
    }
    if (policyContext != null) attrs.put("policy_context", policyContext);
    return PolicyRequest.of(attrs);
  }
}
