package org.greygate.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.greygate.greylist.Decision;
import org.greygate.greylist.GreylistEngine;
import org.greygate.greylist.KeyHasher;
import org.greygate.greylist.RecentInstances;
import org.greygate.policy.DecisionLog;
import org.greygate.protocol.PolicyReply;
import org.greygate.protocol.PolicyRequest;
import org.greygate.store.PrivacySecret;
import org.greygate.store.StoreException;
import org.greygate.store.TripletStore;
import org.greygate.store.lmdb.LmdbStore;
import org.greygate.whitelist.WhitelistException;
import org.greygate.whitelist.Whitelists;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Answers one request against a database, without a server and without changing it. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    description = {
      "Answer one policy request against --dbdir as the daemon would, without changing the database",
      "(safe while the daemon runs). Attributes come as NAME=VALUE arguments, or from stdin in the",
      "policy protocol format when none are given. Prints the reply, and the log line on stderr.",
      "Example: greygate check --dbdir=/var/lib/greygate client_address=192.0.2.1 \\",
      "           client_name=mx.example.org sender=a@example.org recipient=b@example.net"
    })
public final class CheckCommand implements Callable<Integer> {
  @Mixin GreylistOptions greylist;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Read options from FILE, as serve does.")
  Path config;

  @Parameters(paramLabel = "NAME=VALUE", arity = "0..*", description = "Request attributes.")
  List<String> attributes = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
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
    Whitelists whitelists;
    try {
      whitelists = greylist.whitelistSource().load();
    } catch (WhitelistException e) {
      throw new GreygateCli.UsageError(e.getMessage());
    }
    boolean exists = Files.isRegularFile(greylist.dbdir.resolve("data.mdb"));
    try (TripletStore store = exists ? LmdbStore.openDryRun(greylist.dbdir) : new EmptyStore()) {
      KeyHasher hasher = KeyHasher.PLAIN;
      if (greylist.privacy) {
        if (!Files.isRegularFile(greylist.dbdir.resolve(PrivacySecret.FILE))) {
          throw new GreygateCli.UsageError(
              "--privacy: no " + PrivacySecret.FILE + " in " + greylist.dbdir);
        }
        hasher = KeyHasher.hmac(PrivacySecret.loadOrCreate(greylist.dbdir));
      }
      GreylistEngine engine =
          new GreylistEngine(
              greylist.toConfig(),
              store,
              hasher,
              new RecentInstances(16),
              ZoneId.systemDefault(),
              Version.get());
      PolicyRequest request = PolicyRequest.of(attrs);
      long now = Clock.systemUTC().millis() / 1000;
      if (greylist.trustPolicyTestTime && attrs.containsKey("policy_test_time")) {
        try {
          now = Long.parseLong(attrs.get("policy_test_time").strip());
        } catch (NumberFormatException e) {
          throw new GreygateCli.UsageError(
              "policy_test_time '" + attrs.get("policy_test_time") + "' is not epoch seconds");
        }
      }
      Decision d = engine.decide(request, now, whitelists);
      spec.commandLine()
          .getOut()
          .print(new String(PolicyReply.encode(d.action()), StandardCharsets.UTF_8));
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().println(DecisionLog.format(request, d));
      return GreygateCli.EXIT_OK;
    } catch (StoreException e) {
      spec.commandLine().getErr().println("greygate: " + e.getMessage());
      return GreygateCli.EXIT_FAILURE;
    }
  }
}
