package org.greygate.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.greygate.testing.Requirements;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as a file, checked without installing it (nothing here touches this machine's
 * /etc or /var): lintian, its contents, and the man pages as man renders them. {@link
 * BootedPackageIT} installs it, on Debian booted with systemd in a container.
 */
class DebianPackageIT {
  static Path deb;
  static String version;
  @TempDir static Path work;

  @BeforeAll
  static void built() throws Exception {
    Requirements.program("dpkg-deb", "/usr/bin/dpkg-deb");
    deb = findDeb();
    version = run("dpkg-deb", "-f", deb.toString(), "Version").out().strip();
  }

  static Path findDeb() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("target"))) {
      return s.filter(p -> p.getFileName().toString().matches("greygate_[^+]*_all\\.deb"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("mvn package made no target/greygate_*.deb"));
    }
  }

  @Test
  void lintianReportsNoErrors() throws Exception {
    String lintian = Requirements.program("lintian", "/usr/bin/lintian");
    Result r = run(lintian, "--tag-display-limit", "0", deb.toString());
    List<String> errors = r.out().lines().filter(l -> l.startsWith("E:")).toList();
    assertTrue(errors.isEmpty(), "lintian errors:\n" + r.out());
  }

  @Test
  void holdsTheDaemonItsSettingsManPagesAndExamples() throws Exception {
    Result contents = run("dpkg-deb", "--contents", deb.toString());
    assertEquals(0, contents.code(), contents.out());
    for (String f :
        List.of(
            "./usr/bin/greygate",
            "./usr/share/greygate/greygate-" + version + ".jar",
            "./usr/share/greygate/bin/greygate-jvm",
            "./lib/systemd/system/greygate.service",
            "./etc/greygate/greygate.conf",
            "./etc/default/greygate",
            "./usr/share/man/man1/greygate.1.gz",
            "./usr/share/man/man1/greygate-serve.1.gz",
            "./usr/share/bash-completion/completions/greygate",
            "./usr/share/doc/greygate/examples/domains.conf",
            "./usr/share/doc/greygate/examples/greygate-alerts.yml",
            "./usr/share/doc/greygate/examples/grafana-dashboard.json",
            "./usr/share/doc/greygate/examples/main.cf.snippet")) {
      assertTrue(contents.out().contains(" " + f + "\n"), f + " in:\n" + contents.out());
    }
    // greygate.conf is the conffile in /etc/greygate, not an example beside it
    assertFalse(contents.out().contains("examples/greygate.conf"), contents.out());
  }

  /**
   * greygate-serve(1)'s synopsis names every option the page describes, with no markup left over:
   * asciidoctor once read "[h]_" in it as formatting and dropped --retry-window, --dns-server and
   * --dnswl.
   */
  @Test
  void manPageSynopsesAreCompleteAndClean() throws Exception {
    String man = Requirements.program("man", "/usr/bin/man");
    Path tree = work.resolve("extracted");
    assertEquals(0, run("dpkg-deb", "-x", deb.toString(), tree.toString()).code());
    Path pages = tree.resolve("usr/share/man/man1");
    Map<String, Integer> described = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.list(pages)) {
      for (Path page : s.sorted().toList()) {
        described.put(page.getFileName().toString(), 0);
        Result r = run("env", "MANWIDTH=100", "LANG=C.UTF-8", man, "-l", page.toString());
        assertEquals(0, r.code(), r.out());
        String text = r.out().replaceAll(".\b", "");
        int a = text.indexOf("\nSYNOPSIS\n");
        int b = text.indexOf("\nDESCRIPTION\n");
        assertTrue(a >= 0 && b > a, page + ":\n" + text);
        String synopsis = text.substring(a, b);
        String options = b < 0 ? "" : text.substring(b);
        assertFalse(synopsis.matches("(?s).*[_*]\\S.*"), page + " markup left:\n" + synopsis);
        assertEquals(count(synopsis, '['), count(synopsis, ']'), page + " brackets:\n" + synopsis);
        Matcher m = Pattern.compile("(?m)^ {7}((?:-[A-Za-z], )?--[a-z0-9-]+)").matcher(options);
        while (m.find()) {
          String names = m.group(1);
          boolean named = false;
          for (String n : names.split(", ")) {
            // [--opt], [--opt=X], [--opt[=X]], or a required --opt=X
            String option = "[\\[\\s]" + Pattern.quote(n) + "(?:[\\]=\\[\\s]|$)";
            // short flags without a value go together: [-dhqvV]
            String cluster = "\\[-[A-Za-z]*" + n.substring(1) + "[A-Za-z]*\\]";
            named |=
                Pattern.compile(n.startsWith("--") ? option : option + "|" + cluster)
                    .matcher(synopsis)
                    .find();
          }
          described.merge(page.getFileName().toString(), 1, Integer::sum);
          if (names.equals("-h, --help") || names.equals("-V, --version")) {
            continue;
          }
          assertTrue(named, page + ": " + names + " missing from the synopsis:\n" + synopsis);
        }
      }
    }
    // the loops above hold nothing over no page, or over options the pattern no longer finds
    assertTrue(described.size() >= 10, "man pages: " + described);
    assertTrue(
        described.getOrDefault("greygate-serve.1.gz", 0) >= 40, "options found: " + described);
  }

  static long count(String s, char c) {
    return s.chars().filter(x -> x == c).count();
  }

  /**
   * The same package under a newer version (and so a differently named jar), as an upgrade, written
   * into {@code out}.
   */
  static Path repackAs(Path deb, String version, String newVersion, Path work, Path out)
      throws Exception {
    Path tree = work.resolve("tree");
    assertEquals(0, run("dpkg-deb", "-R", deb.toString(), tree.toString()).code());
    Path control = tree.resolve("DEBIAN/control");
    Files.writeString(
        control,
        Files.readString(control).replace("Version: " + version, "Version: " + newVersion));
    Files.delete(tree.resolve("DEBIAN/md5sums"));
    Path share = tree.resolve("usr/share/greygate");
    Files.move(
        share.resolve("greygate-" + version + ".jar"),
        share.resolve("greygate-" + newVersion + ".jar"));
    Path launcher = tree.resolve("usr/bin/greygate");
    Files.writeString(
        launcher,
        Files.readString(launcher)
            .replace("greygate-" + version + ".jar", "greygate-" + newVersion + ".jar"));
    Path built = out.resolve("greygate_" + newVersion + "_all.deb");
    Result b = run("dpkg-deb", "--root-owner-group", "-b", tree.toString(), built.toString());
    assertEquals(0, b.code(), b.out());
    return built;
  }

  record Result(int code, String out) {}

  static Result run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " did not finish");
    }
    return new Result(p.exitValue(), out);
  }
}
