package org.greygate.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.greygate.testing.Cli;
import org.greygate.testing.Daemon;
import org.greygate.testing.PolicyClient;
import org.greygate.testing.TestPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code greygate greylisted}, {@code greygate release} and the HTTP API as a postmaster uses them
 * beside a running daemon on LMDB: a greylisted triplet is listed, released, and its next attempt
 * passes through a real policy client; the log line and the metric show it. Hostile callers first:
 * no token, a wrong one, a token file others can read, a huge body, selectors with control
 * characters, a link planted as a request file, a release that matches nothing.
 */
class ReleaseIT {
  static final String TOKEN = "s3cret-token-0123456789abcdef";

  @TempDir Path dir;

  Path db() {
    return dir.resolve("db");
  }

  Daemon serve(String... more) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--inet=127.0.0.1:0",
                "--dbdir=" + db(),
                "--delay=3600",
                "--commit-interval=0",
                "--metrics=127.0.0.1:0"));
    args.addAll(List.of(more));
    return Daemon.serve(args.toArray(String[]::new));
  }

  static Map<String, String> request(String client, String sender, String recipient, int n) {
    Map<String, String> m = TestPolicy.rcpt(recipient);
    m.put("client_address", client);
    m.put("sender", sender);
    m.put("instance", "i" + n); // each attempt a new message
    return m;
  }

  Cli cli(int expected, String... args) {
    Cli cli = new Cli();
    int code = cli.run(args);
    assertEquals(expected, code, "exit code; err: " + cli.err + " out: " + cli.out);
    return cli;
  }

  /**
   * The listing, once the daemon's writes of {@code waiting} triplets have reached the disk (the
   * daemon commits every 100 ms: two requests' rows may land in two commits; well within 5 s).
   */
  Cli listed(int waiting, String... selectors) throws Exception {
    return listedWhen(out -> out.endsWith("\n" + waiting + " waiting\n"), selectors);
  }

  /** The listing, once its output satisfies {@code done} (or after 5 s, for the assertions). */
  Cli listedWhen(java.util.function.Predicate<String> done, String... selectors) throws Exception {
    List<String> args = new ArrayList<>(List.of("greylisted", "--dbdir=" + db()));
    args.addAll(List.of(selectors));
    for (int i = 0; ; i++) {
      Cli c = new Cli();
      if (c.run(args.toArray(String[]::new)) == 0 && done.test(c.out.toString()) || i == 100) {
        return c;
      }
      Thread.sleep(50);
    }
  }

  /** Waits for the next second of the clock: sightings within one second count once. */
  static void nextSecond() throws InterruptedException {
    long now = java.time.Instant.now().getEpochSecond();
    while (java.time.Instant.now().getEpochSecond() == now) Thread.sleep(20);
  }

  Path tokenFile(String mode) throws Exception {
    Path f = dir.resolve("api.token");
    Files.writeString(f, TOKEN + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  static String metric(int port, String name) throws Exception {
    String page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : page.split("\n")) if (line.startsWith(name)) return line;
    return "(no " + name + " in:\n" + page + ")";
  }

  @Test
  void aReleasedTripletPassesAtItsNextAttemptAndIsLoggedAndCounted() throws Exception {
    try (Daemon d = serve();
        PolicyClient c = PolicyClient.tcp(d.port())) {
      int port = d.metricsPort();
      String sender = "login-code@bank.example";
      assertTrue(c.ask(request("192.0.2.7", sender, "alice@example.net", 1)).startsWith("DEFER"));
      assertTrue(
          c.ask(request("198.51.100.9", "news@other.example", "bob@example.net", 2))
              .startsWith("DEFER"));
      // alice's triplet tries twice more, each in a later second (a repeat within one second
      // counts once)
      for (int i = 0; i < 2; i++) {
        nextSecond();
        assertTrue(
            c.ask(request("192.0.2.7", sender, "alice@example.net", 10 + i)).startsWith("DEFER"));
      }

      Pattern threeTries =
          Pattern.compile("(?m)^\\S+Z +\\S+Z +3 +\\S+Z +192\\.0\\.2\\.0 .*alice@example\\.net$");
      Cli list = listedWhen(o -> o.endsWith("\n2 waiting\n") && threeTries.matcher(o).find());
      String out = list.out.toString();
      assertTrue(out.contains(" ATTEMPTS "), out);
      assertTrue(threeTries.matcher(out).find(), out);
      assertTrue(
          Pattern.compile("(?m)^\\S+Z +\\S+Z +1 +\\S+Z +198\\.51\\.100\\.0 .*bob@example\\.net$")
              .matcher(out)
              .find(),
          out);
      assertTrue(out.contains("192.0.2.0"), out);
      assertTrue(out.contains("login-code@bank.example alice@example.net"), out);
      assertTrue(out.contains("news@other.example bob@example.net"), out);
      assertTrue(out.endsWith("2 waiting\n"), out);
      // a selector narrows it
      out = listed(1, "--client=192.0.2.7").out.toString();
      assertTrue(out.contains("alice@example.net") && !out.contains("bob@"), out);

      Cli release = cli(0, "release", "--dbdir=" + db(), "--sender=" + sender.toUpperCase());
      assertTrue(
          release.out.toString().contains("they pass at their next attempt"), release.out + "");
      String line = d.awaitLine("release by ", 10);
      assertTrue(
          line.contains(
              "(cli): sender=LOGIN-CODE@BANK.EXAMPLE: 1 waiting triplets released, they pass at"
                  + " their next attempt"),
          line);

      String next = c.ask(request("192.0.2.7", sender, "alice@example.net", 3));
      assertFalse(next.startsWith("DEFER"), next);
      // the other one still waits
      assertTrue(
          c.ask(request("198.51.100.9", "news@other.example", "bob@example.net", 4))
              .startsWith("DEFER"));
      assertEquals(
          "greygate_releases_total{origin=\"cli\"} 1.0", metric(port, "greygate_releases_total{"));

      // the report knows it: from the daemon's counters beside it, and from its log
      String who = d.awaitLine("action=release, origin=cli, released=1, by=", 10);
      String byCounters = "";
      for (int i = 0; i < 50 && !byCounters.contains("cli "); i++) {
        Thread.sleep(100); // the counter reaches the disk with the daemon's next commit
        byCounters = cli(0, "report", "--dbdir=" + db(), "--since=1d").out.toString();
      }
      assertTrue(
          byCounters.matches("(?s).*greylisted triplets released \\(who asked\\):\n  cli +1\n.*"),
          byCounters);
      Path log = dir.resolve("greygate.log");
      Files.writeString(log, d.output());
      String byLog =
          cli(0, "report", "--dbdir=" + db(), "--log=" + log, "--since=1d").out.toString();
      String by = who.substring(who.indexOf("by=") + 3).strip();
      assertTrue(
          byLog.matches(
              "(?s).*greylisted triplets released \\(who asked\\):\n  cli by "
                  + Pattern.quote(by)
                  + " +1\n.*"),
          byLog);
    }
  }

  @Test
  void aReleaseThatMatchesNothingExits1AndOneWithoutSelectorExits2() throws Exception {
    try (Daemon d = serve();
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(
          c.ask(request("192.0.2.7", "a@b.example", "u@example.net", 1)).startsWith("DEFER"));
      listed(1);
      Cli none = cli(1, "release", "--dbdir=" + db(), "--recipient=@nowhere.example");
      assertEquals(
          "greygate: nothing waiting matches recipient=@nowhere.example\n", none.err.toString());
      Cli listNone = cli(1, "greylisted", "--dbdir=" + db(), "--client=203.0.113.0/24");
      assertTrue(listNone.err.toString().contains("nothing waiting matches"), listNone.err + "");
      Cli bare = cli(2, "release", "--dbdir=" + db());
      assertTrue(bare.err.toString().contains("--all"), bare.err.toString());
      Cli both = cli(2, "release", "--dbdir=" + db(), "--all", "--sender=a@b.example");
      assertTrue(both.err.toString().contains("--all"), both.err.toString());
      assertFalse(d.output().contains("release by"), d.output());
    }
  }

  /**
   * Under {@code --privacy} the keys are keyed hashes: a partial selector is refused (exit 2), one
   * exact triplet is looked up and released, here with the daemon stopped (the command writes the
   * database itself).
   */
  @Test
  void underPrivacyOnlyAnExactTripletIsListedAndReleasedAlsoWithTheDaemonStopped()
      throws Exception {
    String[] exact = {
      "--client=192.0.2.7", "--sender=code@bank.example", "--recipient=a@example.net"
    };
    try (Daemon d = serve("--privacy");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(
          c.ask(request("192.0.2.7", "code@bank.example", "a@example.net", 1)).startsWith("DEFER"));
      Cli partial = cli(2, "greylisted", "--dbdir=" + db(), "--sender=@bank.example");
      assertTrue(partial.err.toString().contains("--privacy"), partial.err.toString());
      Cli all = cli(2, "greylisted", "--dbdir=" + db());
      assertTrue(all.err.toString().contains("cannot be listed"), all.err.toString());
      cli(2, "release", "--dbdir=" + db(), "--client=192.0.2.0/24", exact[1], exact[2]);
      String out = listed(1, exact).out.toString();
      assertTrue(out.contains("192.0.2.7") && out.endsWith("1 waiting\n"), out);
      d.signal("TERM");
      d.waitFor(20);
    }
    Cli released = cli(0, "release", "--dbdir=" + db(), exact[0], exact[1], exact[2]);
    assertEquals(
        "released 1 waiting triplets: they pass at their next attempt\n", released.out.toString());
    try (Daemon d = serve("--privacy");
        PolicyClient c = PolicyClient.tcp(d.port())) {
      String next = c.ask(request("192.0.2.7", "code@bank.example", "a@example.net", 2));
      assertFalse(next.startsWith("DEFER"), next);
    }
  }

  /** Selector values are one word of printable characters: nothing else reaches a log line. */
  @Test
  void selectorsWithControlCharactersOrSpacesAreRefused() throws Exception {
    try (Daemon d = serve();
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(
          c.ask(request("192.0.2.7", "a@b.example", "u@example.net", 1)).startsWith("DEFER"));
      listed(1);
      for (String bad :
          List.of(
              "--sender=a@b.example\n2026-12-07 INFO release by root (cli): all: 99",
              "--recipient=u@example.net\u001b[2J",
              "--client=192.0.2.7 ",
              "--since=1h\r",
              "--sender=x\u202e@b.example",
              "--client=not-an-address",
              "--since=yesterday")) {
        Cli refused = cli(2, "release", "--dbdir=" + db(), bad);
        String err = refused.err.toString();
        assertFalse(err.contains("\u001b") || err.contains("\r") || err.contains("\u202e"), err);
        assertEquals(1, err.strip().split("\n").length, err);
      }
      Thread.sleep(1500); // a second daemon round: nothing was handed over
      assertFalse(d.output().contains("release by"), d.output());
      assertTrue(
          c.ask(request("192.0.2.7", "a@b.example", "u@example.net", 2)).startsWith("DEFER"));
    }
  }

  /** A request file planted as a link (to a file selecting everything) is refused, not followed. */
  @Test
  void aSymlinkedRequestFileIsRefused() throws Exception {
    try (Daemon d = serve();
        PolicyClient c = PolicyClient.tcp(d.port())) {
      assertTrue(
          c.ask(request("192.0.2.7", "a@b.example", "u@example.net", 1)).startsWith("DEFER"));
      Path target = Files.writeString(dir.resolve("elsewhere"), "all=true\n");
      Path link = db().resolve("release-planted.request");
      Files.createSymbolicLink(link, target);
      String line = d.awaitLine("release request release-planted.request refused", 10);
      assertTrue(line.contains("symbolic link"), line);
      assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
      assertEquals("all=true\n", Files.readString(target));
      assertTrue(
          c.ask(request("192.0.2.7", "a@b.example", "u@example.net", 2)).startsWith("DEFER"));
      // a request file that is no selector is refused too
      Files.writeString(db().resolve("release-junk.request"), "rm -rf /\n");
      line = d.awaitLine("release request release-junk.request refused", 10);
      assertTrue(line.contains("not NAME=VALUE"), line);
      assertFalse(d.output().contains("release by"), d.output());
    }
  }

  @Test
  void aTokenFileOthersCanReadStopsTheStart() throws Exception {
    Path token = tokenFile("rw-r--r--");
    try (Daemon d =
        Daemon.launch(
            "serve",
            "--inet=127.0.0.1:0",
            "--dbdir=" + db(),
            "--metrics=127.0.0.1:0",
            "--api-token-file=" + token)) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(d.output().contains("--api-token-file"), d.output());
      assertTrue(d.output().contains("chmod 600"), d.output());
    }
    // without a metrics listener there is nowhere to answer
    Path ok = tokenFile("rw-------");
    try (Daemon d =
        Daemon.launch("serve", "--inet=127.0.0.1:0", "--dbdir=" + db(), "--api-token-file=" + ok)) {
      assertEquals(2, d.waitFor(20), d.output());
      assertTrue(d.output().contains("--metrics"), d.output());
    }
  }

  @Test
  void theApiListsAndReleasesForTheTokenOnlyAndBoundsItsBody() throws Exception {
    Path token = tokenFile("rw-------");
    try (Daemon d = serve("--api-token-file=" + token);
        PolicyClient c = PolicyClient.tcp(d.port())) {
      int port = d.metricsPort();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + port;
      assertTrue(
          c.ask(request("192.0.2.7", "code@bank.example", "alice@example.net", 1))
              .startsWith("DEFER"));

      // no token, a wrong one, a wrong scheme: 401 without detail
      for (String auth : new String[] {null, "Bearer wrong-token-0123456789", "Basic " + TOKEN}) {
        HttpRequest.Builder b =
            HttpRequest.newBuilder(URI.create(base + "/api/release"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"all\":true}"));
        if (auth != null) b.header("Authorization", auth);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("{\"error\":\"unauthorized\"}\n", r.body());
      }
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/greylisted")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, r.statusCode());
      assertTrue(d.awaitLine("refused, bad or no token (401)", 5).contains("127.0.0.1"));

      // a huge body is refused before a byte of it is read; a chunked one (no length) too
      assertTrue(raw(port, "Content-Length: 1000000000").startsWith("HTTP/1.1 413 "));
      assertTrue(raw(port, "Transfer-Encoding: chunked").startsWith("HTTP/1.1 411 "));
      // selectors with control characters: 400, and the log shows them escaped
      r = post(http, base, "{\"sender\":\"a@b\\n2026 INFO release by root\"}");
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("control characters"), r.body());
      r = post(http, base, "{\"sender\":[1,2]}");
      assertEquals(400, r.statusCode(), r.body());
      r = post(http, base, "{}");
      assertEquals(400, r.statusCode(), r.body());
      r = post(http, base, "{\"recipient\":\"@nowhere.example\"}");
      assertEquals(404, r.statusCode(), r.body());
      for (String l : d.output().split("\n")) {
        assertFalse(l.startsWith("2026 INFO"), "a forged log line: " + l);
      }

      r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/api/greylisted?recipient=alice%40example.net"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"count\":1"), r.body());
      assertTrue(r.body().contains("\"sender\":\"code@bank.example\""), r.body());
      assertTrue(r.body().contains("\"next_retry_from\":\""), r.body());
      assertTrue(r.body().contains("\"attempts\":1,"), r.body());

      int mark = d.mark();
      r = post(http, base, "{\"sender\":\"code@bank.example\",\"recipient\":\"@example.net\"}");
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("{\"released\":1}\n", r.body());
      String line = d.awaitLineAfter(mark, "release by 127.0.0.1 /api/release (api)", 5);
      assertTrue(line.contains("sender=code@bank.example recipient=@example.net: 1 waiting"), line);
      assertFalse(
          c.ask(request("192.0.2.7", "code@bank.example", "alice@example.net", 2))
              .startsWith("DEFER"));
      assertEquals(
          "greygate_releases_total{origin=\"api\"} 1.0", metric(port, "greygate_releases_total{"));
    }
  }

  /** A POST's head with {@code header} and no body; the answer's head. */
  static String raw(int port, String header) throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("POST /api/release HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + TOKEN
                      + "\r\n"
                      + header
                      + "\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** {@code --api-remote} opens the API beyond loopback, never beyond the token. */
  @Test
  void withApiRemoteTheApiStillNeedsItsToken() throws Exception {
    Path token = tokenFile("rw-------");
    try (Daemon d = serve("--api-token-file=" + token, "--api-remote")) {
      assertTrue(d.output().contains("for any caller with the token (--api-remote)"), d.output());
      int port = d.metricsPort();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greylisted"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(401, r.statusCode(), r.body());
    }
  }

  static HttpResponse<String> post(HttpClient http, String base, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/api/release"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
