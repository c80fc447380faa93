package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option {@code serve} takes is exercised through a running {@code greygate serve} (the jar
 * as a process, the launcher, or the installed package), not through {@code check} and not through
 * an in-process server: the daemon's own wiring of an option is what a postmaster relies on, and a
 * value parsed and then dropped (as {@code --log-format} once was) passes every other test.
 *
 * <p>{@link #TABLE} is the one list of which integration test exercises which option. This test
 * fails when an option of {@code serve} has no row, when a row names an option that is gone, when a
 * named test method does not exist, and when the named test's source never mentions the option.
 */
class ServeOptionsCoverageTest {
  /** A test method as {@code Class#method}, the class relative to {@code org.greygate}. */
  record Row(String option, String note, List<String> tests) {}

  static final Map<String, Row> TABLE = new LinkedHashMap<>();

  static void row(String option, String... tests) {
    note(option, null, tests);
  }

  /** A row whose option is accepted and ignored (Postgrey's) or otherwise needs a word. */
  static void note(String option, String note, String... tests) {
    if (TABLE.put(option, new Row(option, note, List.of(tests))) != null) {
      throw new IllegalStateException("two rows for " + option);
    }
  }

  static final String SERVE = "cli.ServeOptionsIT#";
  static final String BAD = SERVE + "everyBadValueStopsTheStartNamingTheOptionInOneLine";
  static final String DAEMON = "cli.DaemonIT#";
  static final String SHARED = "store.redis.SharedStoreIT#";
  static final String LISTS = "dnslist.DnsListIT#";
  static final String GREYLISTING = SERVE + "greylistingOptionsShapeTheAnswers";
  static final String QUIET = SERVE + "hostKeyingAwlPrivacyMaxAgeAndTheSweepOnAQuietDaemon";
  static final String SOCKETS = SERVE + "unixSocketModeEximAllowFromBacklogAndProtocolLimits";
  static final String CONNECTIONS = SERVE + "maxConnectionsAndIdleTimeout";
  static final String CONFIG =
      SERVE + "configFileVerboseIgnoredPostgreyOptionsIoThreadsAndCommitInterval";
  static final String QUEUE = SERVE + "queueWatchOptionsThroughTheDaemon";
  static final String AUDIT = "queue.audit.QueueToolWatchIT#serveWatchesWhoRanTheQueueTools";
  static final String EXITS = SERVE + "helpVersionAndStartOnlyExitAtOnce";
  static final String SPOOL = "queue.spool.SpoolWatchIT#theDaemonWatchesTheSpool";
  static final String OUTBOUND =
      "compat.OutboundPostfixIT#aFloodingAccountIsHeldDeferredAndFreedWhileOthersDeliver";

  static {
    // ---------------------------------------------------------------- greylisting (Postgrey's)
    row("--dbdir", DAEMON + "restartKeepsStateAndSigtermStopsCleanly", BAD);
    row("--store", SHARED + "aTripletGreylistedOnOneMxPassesOnTheOtherAndTheAwlIsShared", BAD);
    row("--redis-password-file", SHARED + "aWrongPasswordIsAClearErrorAtStart", BAD);
    row(
        "--redis-tls-ca",
        "store.redis.RedisTlsIT#greylistsOverTlsWithAClientCertificateAndRefusesAWrongCa",
        BAD);
    row(
        "--redis-tls-cert",
        "store.redis.RedisTlsIT#greylistsOverTlsWithAClientCertificateAndRefusesAWrongCa",
        BAD);
    row(
        "--redis-tls-key",
        "store.redis.RedisTlsIT#greylistsOverTlsWithAClientCertificateAndRefusesAWrongCa",
        BAD);
    row("--redis-prefix", SHARED + "aKeyPrefixAndAFailureActionOfTheAdminsChoice", BAD);
    row(
        "--redis-wait-replicas",
        "store.redis.RedisWaitIT#withTheOptionEveryFirstSightingIsOnTheReplicaWhenItsAnswerArrives",
        BAD);
    row(
        "--redis-wait-timeout",
        "store.redis.RedisWaitIT#aStoppedReplicaDelaysFirstSightingsOnlyUntilTheWaitsTimeout",
        BAD);
    row("--delay", GREYLISTING, "compat.PostfixEndToEndIT#greylistsThenDeliversOverTcp", BAD);
    row("--max-age", QUIET, BAD);
    row("--retry-window", GREYLISTING, BAD);
    row("--greylist-action", GREYLISTING, BAD);
    row("--greylist-text", GREYLISTING, "compat.PostgreyDifferentialIT#sameAnswersAsPostgrey");
    row("--x-greylist-header", GREYLISTING, BAD);
    note(
        "--lookup-by-subnet",
        "Postgrey's default, accepted: the daemon keys by subnet with or without it",
        GREYLISTING);
    row("--lookup-by-host", QUIET);
    row("--ipv4cidr", GREYLISTING, BAD);
    row("--ipv6cidr", GREYLISTING, BAD);
    row(
        "--auto-whitelist-clients",
        QUIET,
        SHARED + "aTripletGreylistedOnOneMxPassesOnTheOtherAndTheAwlIsShared",
        BAD);
    row("--privacy", QUIET, SHARED + "hostsWithDifferentPrivacyKeysAreRefusedNotSilentlyApart");
    row("--hostname", GREYLISTING, BAD);
    row(
        "--whitelist-clients",
        DAEMON + "whitelistsReloadOnSighupAndOnFileChangeAndKeepTheOldListOnError",
        GREYLISTING,
        BAD);
    row("--whitelist-recipients", GREYLISTING, BAD);
    row(
        "--domain-policy",
        "whitelist.DomainPolicyIT#appliedAndReloadedAndABrokenFileKeepsThePreviousPolicies",
        BAD);
    row("--trust-policy-test-time", DAEMON + "restartKeepsStateAndSigtermStopsCleanly");

    // ---------------------------------------------------------------- listening
    row("--inet", DAEMON + "restartKeepsStateAndSigtermStopsCleanly", BAD);
    row(
        "--unix",
        "compat.PostfixEndToEndIT#greylistsThenDeliversOverAUnixSocketInTheQueueDirectory",
        SOCKETS);
    row("--socketmode", SOCKETS, BAD);
    row("--exim", SOCKETS);
    row("--listen-queue-size", SOCKETS, BAD);
    row("--max-connections", CONNECTIONS, BAD);
    row("--idle-timeout", CONNECTIONS, BAD);
    row("--max-line-length", SOCKETS, BAD);
    row("--max-attributes", SOCKETS, BAD);
    row("--max-request-size", SOCKETS, BAD);
    row("--allow-from", SOCKETS, BAD);
    row("--io-threads", SHARED + "decisionsGoThroughConnectionsOnTheServersOwnEventLoops", CONFIG);
    row("--reply-timeout", SHARED + "aStalledRedisCostsAtMostTheReplyTimeoutAndHealthSaysWhy", BAD);

    // ---------------------------------------------------------------- DNS
    row("--dnswl", LISTS + "anAllowListedClientPassesAtOnceOthersAreGreylisted", BAD);
    row("--dnsbl", LISTS + "anAllowListedClientPassesAtOnceOthersAreGreylisted", BAD);
    row("--skip-score", LISTS + "aSkipScoreAboveOneAsksForMoreThanOneList", BAD);
    row("--greylist-only-listed", LISTS + "greylistOnlyListedSparesNamedClientsOnNoBlockList", BAD);
    row(
        "--dns-timeout",
        LISTS + "aListThatNeverAnswersCostsAtMostTheBudgetAndChangesNoAnswerClass",
        DAEMON + "aDnsBudgetThatLeavesNoTimeForTheDecisionIsRefused",
        BAD);
    row(
        "--spf-grouping",
        "spf.SpfGroupingIT#aPoolRetryingFromANewAddressEachTimeIsDelayedOnceNotForever");
    row("--dns-server", LISTS + "anAllowListedClientPassesAtOnceOthersAreGreylisted", BAD);

    // ---------------------------------------------------------------- rules, metrics, store
    row(
        "--rules",
        "ratelimit.RateLimitIT#aFloodIsHeldCountsSurviveARestartAndABrokenReloadKeepsTheRules",
        "ratelimit.RateLimitIT#aBrokenRulesFileStopsTheStartNamingTheLine");
    row(
        "--metrics",
        "metrics.MetricsEndpointAttackIT#aStalledClientADribblerAndIdleConnectionsNeverStopTheScrapes",
        BAD);
    row(
        "--policy-set",
        "cli.PolicySetsIT#eachContextIsAnsweredByItsSetAndCheckAndReportKnowThem",
        "cli.PolicySetsIT#aBrokenSetStopsTheStartNamingFileLineAndTheKnownNames",
        "compat.PolicyContextPostfixIT#eachRestrictionListReachesItsOwnPolicySet");
    row(
        "--default-policy-set",
        "cli.PolicySetsIT#eachContextIsAnsweredByItsSetAndCheckAndReportKnowThem",
        "cli.PolicySetsIT#aBrokenSetStopsTheStartNamingFileLineAndTheKnownNames");
    row(
        "--api-token-file",
        "release.ReleaseIT#theApiListsAndReleasesForTheTokenOnlyAndBoundsItsBody",
        "release.ReleaseIT#aTokenFileOthersCanReadStopsTheStart");
    row("--api-remote", "release.ReleaseIT#withApiRemoteTheApiStillNeedsItsToken");
    row("--store-failure-action", SHARED + "aKeyPrefixAndAFailureActionOfTheAdminsChoice", BAD);
    row("--sweep-interval", QUIET, BAD);
    row("--stats-interval", DAEMON + "restartKeepsStateAndSigtermStopsCleanly", BAD);
    row("--commit-interval", CONFIG, BAD);

    // ---------------------------------------------------------------- process and logging
    row("--pidfile", DAEMON + "restartKeepsStateAndSigtermStopsCleanly");
    note(
        "--daemonize",
        "Postgrey's, accepted and ignored with a log line: greygate stays in the foreground",
        CONFIG);
    row(
        "--user",
        "cli.LauncherIT#startedAsRootWithUserItRunsAsThatUserAndJavaAloneRefuses",
        "reliability.LocalAttackerIT#aResetHandedToTheDaemonNeverWritesAtAGuessableName");
    row("--group", "cli.LauncherIT#startedAsRootWithUserItRunsAsThatUserAndJavaAloneRefuses", BAD);
    note(
        "--syslog-facility",
        "Postgrey's, accepted and ignored with a log line: logs go to stdout (journald)",
        CONFIG);
    row("--verbose", CONFIG);
    row(
        "--log-format",
        DAEMON + "jsonDecisionLinesComeFromTheRunningDaemon",
        DAEMON + "anUnknownLogFormatIsRefusedAtStart",
        BAD);
    row("--quiet", QUIET);

    // ---------------------------------------------------------------- the queue watch
    row("--queue-watch", QUEUE, OUTBOUND);
    row("--queue-interval", QUEUE, OUTBOUND, BAD);
    row("--queue-alert", QUEUE, OUTBOUND, BAD);
    row("--queue-alert-repeat", QUEUE, BAD);
    row("--postqueue", QUEUE, BAD);
    row("--postfix-config-dir", QUEUE, OUTBOUND, BAD);
    row("--mail-log", QUEUE, OUTBOUND);
    row("--release-alert", QUEUE, BAD);
    row("--volume-alert", QUEUE, BAD);
    row("--volume-baseline", QUEUE, BAD);
    row("--volume-min", QUEUE, BAD);
    row("--volume-agents", QUEUE, BAD);
    row("--alert-webhook", QUEUE, BAD);
    row("--alert-webhook-secret", QUEUE, BAD);
    row("--alert-command", QUEUE, BAD);
    row("--alert-hook-timeout", QUEUE, BAD);
    row("--volume-window", AUDIT);
    row("--release-burst", AUDIT);
    row("--auth-log", AUDIT);
    row("--audit-log", AUDIT);
    row("--queue-admins", AUDIT);
    row("--spool-watch", SPOOL);
    row("--queue-directory", SPOOL);
    row("--spool-owner", SPOOL);
    row("--spool-group", SPOOL);

    // ---------------------------------------------------------------- serve's own
    row("--config", CONFIG, BAD);
    row(
        "--start-only",
        EXITS,
        "reliability.LocalAttackerIT#filesAreTheOwnersAloneWhateverTheUmask");
    row("--help", EXITS);
    row("--version", EXITS);
  }

  /** The options of {@code serve} as its command line is built, mixins included. */
  static List<OptionSpec> serveOptions() {
    CommandLine serve =
        GreygateCli.commandLineFor(new String[] {"serve"}).getSubcommands().get("serve");
    CommandSpec spec = serve.getCommandSpec();
    return spec.options();
  }

  @Test
  void everyOptionOfServeHasARowAndEveryRowAnOption() {
    List<String> missing = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>();
    for (OptionSpec o : serveOptions()) {
      names.add(o.longestName());
      if (!TABLE.containsKey(o.longestName())) missing.add(o.longestName());
    }
    List<String> gone = TABLE.keySet().stream().filter(k -> !names.contains(k)).toList();
    assertTrue(
        missing.isEmpty() && gone.isEmpty(),
        "serve options without a test through a running serve in "
            + getClass().getSimpleName()
            + ".TABLE: "
            + missing
            + "; rows for options serve no longer has: "
            + gone);
  }

  @Test
  void everyNamedTestExistsAndMentionsItsOption() throws Exception {
    Map<String, OptionSpec> byName = new LinkedHashMap<>();
    for (OptionSpec o : serveOptions()) byName.put(o.longestName(), o);
    List<String> problems = new ArrayList<>();
    for (Row row : TABLE.values()) {
      if (row.tests().isEmpty()) problems.add(row.option() + ": no test named");
      for (String test : row.tests()) {
        String problem = check(test, byName.get(row.option()));
        if (problem != null) problems.add(row.option() + ": " + test + ": " + problem);
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** Null when {@code test} is a test method whose class mentions {@code option}. */
  static String check(String test, OptionSpec option) throws IOException {
    int hash = test.indexOf('#');
    if (hash < 0) return "not Class#method";
    String className = "org.greygate." + test.substring(0, hash);
    String methodName = test.substring(hash + 1);
    Class<?> c;
    try {
      c = Class.forName(className);
    } catch (ClassNotFoundException e) {
      return "no class " + className;
    }
    if (!c.getSimpleName().endsWith("IT")) {
      return "not an integration test (a daemon option is tested through a running serve)";
    }
    Method found = null;
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals(methodName) && isTest(m)) found = m;
    }
    if (found == null) return "no test method " + methodName;
    if (option == null) return null; // reported by the other test
    Path source = Path.of("src/test/java", className.replace('.', '/') + ".java");
    String text = Files.readString(source);
    for (String name : option.names()) {
      String bare = name.replaceFirst("^-+", "");
      if (text.contains("\"" + name)
          || text.contains("\"" + bare + "=")
          || text.contains("\"" + bare + "\"")) {
        return null;
      }
    }
    return "its class never gives " + String.join("/", option.names());
  }

  static boolean isTest(Method m) {
    for (var a : m.getAnnotations()) {
      String n = a.annotationType().getName();
      if (n.equals("org.junit.jupiter.api.Test")
          || n.equals("org.junit.jupiter.params.ParameterizedTest")
          || n.equals("org.junit.jupiter.api.RepeatedTest")
          || n.equals("org.junit.jupiter.api.TestFactory")) {
        return true;
      }
    }
    return false;
  }
}
