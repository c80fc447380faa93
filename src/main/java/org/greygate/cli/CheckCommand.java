package org.greygate.cli;

import ch.qos.logback.classic.Level;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.greygate.app.ChainFactory;
import org.greygate.app.PolicyConfig;
import org.greygate.app.PolicySettings;
import org.greygate.app.Stores;
import org.greygate.config.Settings;
import org.greygate.dns.DnsClient;
import org.greygate.greylist.GreylistSettings;
import org.greygate.greylist.KeyHasher;
import org.greygate.metrics.Metrics;
import org.greygate.policy.DecisionLog;
import org.greygate.policy.PolicyChain;
import org.greygate.protocol.Outcome;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.ratelimit.RateRules;
import org.greygate.store.PrivacySecret;
import org.greygate.store.StoreException;
import org.greygate.store.StoreSettings;
import org.greygate.store.TripletStore;
import org.greygate.whitelist.WhitelistException;
import org.greygate.whitelist.WhitelistSettings;
import org.greygate.whitelist.Whitelists;
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

  @Parameters(paramLabel = "NAME=VALUE", arity = "0..*", description = "Request attributes.")
  List<String> attributes = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PolicyRequest request = request();
    Settings settings = options.settings();
    PolicyConfig policy = PolicySettings.config(settings, Version.get());
    Path dbdir = settings.get(StoreSettings.DBDIR);
    DbdirOption.requireDatabase(dbdir, true); // none yet: answered as a new daemon would
    Whitelists whitelists;
    try {
      whitelists = WhitelistSettings.source(settings).load();
    } catch (WhitelistException e) {
      throw new GreygateCli.UsageError(e.getMessage());
    }
    DnsClient dns = null;
    try (TripletStore store = Stores.inspect(dbdir)) {
      KeyHasher hasher = KeyHasher.PLAIN;
      if (settings.get(GreylistSettings.PRIVACY)) {
        if (!Files.isRegularFile(dbdir.resolve(PrivacySecret.FILE))) {
          throw new GreygateCli.UsageError("--privacy: no " + PrivacySecret.FILE + " in " + dbdir);
        }
        hasher = KeyHasher.hmac(PrivacySecret.loadOrCreate(dbdir));
      }
      // the DNS features ask DNS here too, so the answer is the daemon's
      dns = policy.asksDns() ? policy.dns().client() : null;
      PolicyChain chain =
          ChainFactory.create(
              policy,
              store,
              () -> whitelists,
              () -> RateRules.NONE,
              dns,
              Runnable::run, // one request: SPF may run on this thread
              hasher,
              Clock.systemUTC(),
              Metrics.NONE);
      // the reply alone on stdout; the decision line on stderr, not through the daemon's log
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("greygate.decision"))
          .setLevel(Level.OFF);
      Outcome outcome = chain.decide(request).toCompletableFuture().join();
      if (chain.failures() > 0) {
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
              policy.logFormat() == DecisionLog.Format.JSON
                  ? DecisionLog.json(request, outcome)
                  : DecisionLog.format(request, outcome));
      return chain.failures() > 0 ? GreygateCli.EXIT_FAILURE : GreygateCli.EXIT_OK;
    } catch (StoreException e) {
      spec.commandLine().getErr().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    } finally {
      if (dns != null) dns.close();
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
    return PolicyRequest.of(attrs);
  }
}
