package org.greygate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.greygate.testing.Daemon;
import org.greygate.testing.DnsServer;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.Requirements;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Grafana dashboard against a running daemon with every feature the dashboard draws
 * (greylisting, rate limits, DNS lists, SPF grouping, the queue watch): every expression names
 * metrics and labels that /metrics exports, Prometheus's own parser accepts it ({@code promtool
 * check rules}), and Prometheus's evaluator gives it at least one series over data shaped like the
 * scrape ({@code promtool test rules}).
 */
class GrafanaDashboardIT {
  static final Path DASHBOARD = Path.of("config/grafana-dashboard.json");

  /** Grafana's variables, as a query at a 1-minute step would see them. */
  static final Map<String, String> VARIABLES =
      Map.of("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h", "$instance", ".*");

  /** PromQL's words that are not metric names. */
  static final Set<String> WORDS =
      Set.of(
          "sum",
          "by",
          "without",
          "rate",
          "increase",
          "irate",
          "histogram_quantile",
          "clamp_min",
          "clamp_max",
          "max",
          "min",
          "avg",
          "count",
          "topk",
          "bottomk",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "offset",
          "bool",
          "abs",
          "delta",
          "deriv",
          "label_values",
          "time",
          "vector",
          "scalar",
          "le",
          "e");

  @TempDir Path dir;

  record Expr(String panel, String text) {}

  /** Each panel's query expressions, with its title; Grafana's variables filled in. */
  static List<Expr> expressions() throws Exception {
    List<Expr> out = new ArrayList<>();
    try (JsonParser p = new JsonFactory().createParser(DASHBOARD.toFile())) {
      int depth = 0;
      String panel = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) depth++;
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) depth--;
        if (t != JsonToken.FIELD_NAME) continue;
        // the root object, "panels" (depth 2), a panel (3), "targets" (4), a target (5)
        if (depth == 3 && p.currentName().equals("title")) {
          p.nextToken();
          panel = p.getText();
        } else if (depth == 5 && p.currentName().equals("expr")) {
          p.nextToken();
          String e = p.getText();
          for (var v : VARIABLES.entrySet()) e = e.replace(v.getKey(), v.getValue());
          out.add(new Expr(panel, e));
        }
      }
    }
    return out;
  }

  /** Names of metric families (histograms under their series' names too) and their labels. */
  static Map<String, Set<String>> exported(String scrape) {
    Map<String, Set<String>> out = new HashMap<>();
    Pattern sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? ");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    for (String line : scrape.split("\n")) {
      Matcher m = sample.matcher(line);
      if (line.startsWith("#") || !m.find()) continue;
      Set<String> labels = out.computeIfAbsent(m.group(1), k -> new HashSet<>());
      labels.add("instance"); // Prometheus adds these when it scrapes
      labels.add("job");
      if (m.group(3) != null) {
        Matcher l = label.matcher(m.group(3));
        while (l.find()) labels.add(l.group(1));
      }
    }
    return out;
  }

  @Test
  void everyExpressionNamesWhatTheDaemonExportsAndPrometheusEvaluatesIt() throws Exception {
    String promtool = Requirements.program("promtool", "/usr/bin/promtool");
    String scrape = scrapeOfADaemonWithEveryFeature();
    Map<String, Set<String>> exported = exported(scrape);
    List<Expr> exprs = expressions();
    assertTrue(exprs.size() >= 20, "the dashboard's expressions: " + exprs.size());

    // 1. names and labels: what the daemon exports
    Pattern name =
        Pattern.compile("(?<![\\w\"$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{|\\[|\\)|$|\\s)");
    Pattern grouping = Pattern.compile("\\b(?:by|without)\\s*\\(([^)]*)\\)");
    Pattern matcher = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"");
    List<String> wrong = new ArrayList<>();
    for (Expr e : exprs) {
      Set<String> metrics = new TreeSet<>();
      Matcher m = name.matcher(e.text());
      while (m.find()) {
        String n = m.group(1);
        if (!WORDS.contains(n) && !n.matches("\\d.*") && n.startsWith("greygate_")) metrics.add(n);
      }
      if (metrics.isEmpty()) wrong.add(e.panel() + ": names no greygate metric: " + e.text());
      Set<String> labels = new HashSet<>();
      for (String n : metrics) {
        if (!exported.containsKey(n)) {
          wrong.add(e.panel() + ": " + n + " is not exported");
        } else {
          labels.addAll(exported.get(n));
        }
      }
      Matcher g = grouping.matcher(e.text());
      while (g.find()) {
        for (String l : g.group(1).split(",")) {
          if (!l.isBlank() && !labels.contains(l.strip())) {
            wrong.add(e.panel() + ": no label " + l.strip() + " on " + metrics);
          }
        }
      }
      Matcher s = matcher.matcher(e.text());
      while (s.find()) {
        if (!labels.contains(s.group(1))) {
          wrong.add(e.panel() + ": no label " + s.group(1) + " on " + metrics);
        }
      }
    }
    assertEquals(List.of(), wrong, "exported:\n" + exported.keySet());

    // 2. Prometheus's parser: each expression as a recording rule
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < exprs.size(); i++) {
      rules
          .append("      - record: dashboard:expr")
          .append(i)
          .append("\n        expr: ")
          .append(yaml(exprs.get(i).text()))
          .append('\n');
    }
    Path rulesFile = dir.resolve("dashboard-rules.yml");
    Files.writeString(rulesFile, rules);
    assertEquals("", run(promtool, "check", "rules", rulesFile.toString()).problem());

    // 3. Prometheus's evaluator: each expression gives a series over data shaped like the scrape
    StringBuilder alerts = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    StringBuilder test = new StringBuilder("rule_files:\n  - dashboard-alerts.yml\n");
    test.append("evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
    for (String series : series(scrape)) {
      test.append("      - series: ").append(yaml(series)).append("\n        values: '0+1x30'\n");
    }
    test.append("    alert_rule_test:\n");
    for (int i = 0; i < exprs.size(); i++) {
      alerts
          .append("      - alert: Expr")
          .append(i)
          .append("\n        expr: ")
          .append(yaml("count(" + exprs.get(i).text() + ") > 0"))
          .append('\n');
      test.append("      - eval_time: 20m\n        alertname: Expr")
          .append(i)
          .append("\n        exp_alerts:\n          - exp_labels: {}\n");
    }
    Files.writeString(dir.resolve("dashboard-alerts.yml"), alerts);
    Path testFile = dir.resolve("dashboard-test.yml");
    Files.writeString(testFile, test);
    Run evaluated = run(promtool, "test", "rules", testFile.toString());
    assertEquals(
        "", evaluated.problem(), "expressions:\n" + numbered(exprs) + "series:\n" + series(scrape));
  }

  static String numbered(List<Expr> exprs) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < exprs.size(); i++) {
      sb.append("Expr").append(i).append(" (").append(exprs.get(i).panel()).append("): ");
      sb.append(exprs.get(i).text()).append('\n');
    }
    return sb.toString();
  }

  /** Every sample of the scrape as a series selector, with the labels Prometheus adds. */
  static List<String> series(String scrape) {
    List<String> out = new ArrayList<>();
    Pattern sample = Pattern.compile("^(greygate_[a-zA-Z0-9_:]*)(\\{(.*)\\})? ");
    for (String line : scrape.split("\n")) {
      Matcher m = sample.matcher(line);
      if (!m.find()) continue;
      String labels = "instance=\"mx1:9523\",job=\"greygate\"";
      if (m.group(3) != null && !m.group(3).isEmpty()) labels = m.group(3) + "," + labels;
      out.add(m.group(1) + "{" + labels + "}");
    }
    return out;
  }

  /** A YAML single-quoted scalar. */
  static String yaml(String s) {
    return "'" + s.replace("'", "''").replace("\n", " ") + "'";
  }

  record Run(int code, String output) {
    String problem() {
      return code == 0 ? "" : "exit " + code + ": " + output;
    }
  }

  static Run run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Run(p.waitFor(), out);
  }

  String scrapeOfADaemonWithEveryFeature() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(rules, "burst sasl_username messages 1 1h HOLD\n");
    Path postqueue = dir.resolve("postqueue");
    Files.writeString(
        postqueue,
        "#!/bin/sh\necho '{\"queue_name\": \"hold\", \"queue_id\": \"4Qx1\", \"message_size\":"
            + " 1200, \"recipients\": []}'\n");
    Files.setPosixFilePermissions(postqueue, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path mailLog = dir.resolve("mail.log");
    Files.writeString(mailLog, "");
    Path authLog = dir.resolve("auth.log");
    Files.writeString(authLog, "");
    try (DnsServer dns = DnsServer.start(List.of("address=/66.2.0.192.bl.test/127.0.0.2"));
        Daemon d =
            Daemon.serve(
                "--inet=127.0.0.1:0",
                "--dbdir=" + dir.resolve("db"),
                "--metrics=127.0.0.1:0",
                "--trust-policy-test-time",
                "--rules=" + rules,
                "--dnsbl=bl.test",
                "--spf-grouping",
                "--dns-server=" + dns.address(),
                "--queue-watch",
                "--postqueue=" + postqueue,
                "--queue-interval=1s",
                "--queue-alert=hold:1",
                "--mail-log=" + mailLog,
                "--auth-log=" + authLog,
                "--queue-admins=bob")) {
      int metricsPort = d.metricsPort();
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", metricsPort);
      try (PolicyClient c = PolicyClient.tcp(d.port())) {
        // greylisted, retried too early, passed after the delay
        Map<String, String> inbound = TestPolicy.rcpt("u@example.net");
        for (long time : new long[] {1_000, 1_100, 1_400}) {
          inbound.put("policy_test_time", Long.toString(time));
          inbound.put("instance", "i" + time);
          c.ask(inbound);
        }
        Map<String, String> listed = new LinkedHashMap<>(inbound);
        listed.put("client_address", "192.0.2.66");
        c.ask(listed);
        Map<String, String> outbound = new LinkedHashMap<>(inbound);
        outbound.put("protocol_state", "END-OF-MESSAGE");
        outbound.put("sasl_username", "alice@example.org");
        for (int i = 0; i < 2; i++) c.ask(outbound);
      }
      d.awaitLine("queue tools from", 10);
      // someone not among --queue-admins empties the queue
      Files.writeString(
          authLog,
          "2026-12-07T01:00:00.000000+00:00 mx sudo: mallory : TTY=pts/0 ; PWD=/ ; USER=root ;"
              + " COMMAND=/usr/sbin/postsuper -d ALL\n");
      d.awaitLine("alert=watermark", 10);
      d.awaitLine("user=mallory", 10);
      return MetricsIT.get(at, "/metrics").body();
    }
  }
}
