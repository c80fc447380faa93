package org.greygate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md, held by the build. Every reference counts: imports, static
 * imports and fully-qualified names in code (comments and string literals do not).
 */
class PackageRulesTest {
  /** Only {@code owners} (packages, with their sub-packages) may refer to {@code library}. */
  record OnlyIn(String library, List<String> owners) {}

  /**
   * {@code pkg} (with its sub-packages when it ends in ".", alone otherwise) must not refer to
   * these; references inside {@code pkg} itself are always allowed.
   */
  record MustNotKnow(String pkg, List<String> forbidden) {}

  /** Where features are registered, one line each. */
  static final String FEATURES = "org.greygate.app.Features";

  static final List<OnlyIn> ONLY_IN =
      List.of(
          // Lettuce runs on Netty: one class of the Redis store hands the server's event loops to
          // it
          new OnlyIn(
              "io.netty",
              List.of("org.greygate.server", "org.greygate.store.redis.RedisConnections")),
          new OnlyIn("org.lmdbjava", List.of("org.greygate.store.lmdb")),
          new OnlyIn("org.xbill", List.of("org.greygate.dns")),
          new OnlyIn("io.lettuce", List.of("org.greygate.store.redis")),
          new OnlyIn("org.greygate.store.redis", List.of("org.greygate.cli", "org.greygate.app")),
          new OnlyIn("jnr", List.of("org.greygate.systemd")),
          new OnlyIn("org.greygate.systemd", List.of("org.greygate.cli")),
          new OnlyIn("picocli", List.of("org.greygate.cli")),
          new OnlyIn("io.prometheus", List.of("org.greygate.metrics.prometheus")),
          new OnlyIn(
              "org.greygate.metrics.prometheus", List.of("org.greygate.cli", "org.greygate.app")),
          // the composition root builds the daemon's listeners (cli: their settings, the responder)
          new OnlyIn("org.greygate.server", List.of("org.greygate.cli", "org.greygate.app")),
          new OnlyIn("org.greygate.cli", List.of("org.greygate.Main")),
          new OnlyIn("org.greygate.app", List.of("org.greygate.cli")),
          new OnlyIn("org.greygate.store.lmdb", List.of("org.greygate.cli", "org.greygate.app")),
          // a feature is its package plus its line in app.Features: nothing else names it
          new OnlyIn("org.greygate.ratelimit", List.of(FEATURES)),
          new OnlyIn("org.greygate.dnslist", List.of(FEATURES)),
          new OnlyIn("org.greygate.spf", List.of(FEATURES)),
          new OnlyIn("org.greygate.release", List.of(FEATURES)),
          // the queue watch also runs alone (greygate queue-watch)
          new OnlyIn(
              "org.greygate.queue",
              List.of(
                  FEATURES,
                  "org.greygate.cli.QueueWatchCommand",
                  "org.greygate.cli.QueueWatchOptions")));

  static final String LMDB = "org.greygate.store.lmdb";
  static final String MEMORY = "org.greygate.store.memory";
  static final String REDIS = "org.greygate.store.redis";

  static final List<String> DOMAIN =
      List.of(
          "org.greygate.greylist",
          "org.greygate.whitelist",
          "org.greygate.policy",
          "org.greygate.store",
          "org.greygate.migrate",
          "org.greygate.app",
          "org.greygate.cli",
          "org.greygate.server",
          "org.greygate.bench",
          "org.greygate.protocol",
          "org.greygate.report",
          "org.greygate.inet",
          "org.greygate.ratelimit",
          "org.greygate.queue",
          "org.greygate.logline",
          "org.greygate.systemd",
          "org.greygate.dnslist",
          "org.greygate.spf",
          "org.greygate.files");

  static final List<MustNotKnow> MUST_NOT_KNOW =
      List.of(
          new MustNotKnow("org.greygate.metrics.", DOMAIN),
          new MustNotKnow("org.greygate.config.", DOMAIN),
          // the shape of a feature knows none of them, nor who assembles them
          new MustNotKnow(
              "org.greygate.feature.",
              List.of(
                  "org.greygate.ratelimit",
                  "org.greygate.dnslist",
                  "org.greygate.spf",
                  "org.greygate.queue",
                  "org.greygate.app",
                  "org.greygate.cli",
                  "org.greygate.server",
                  LMDB,
                  MEMORY,
                  REDIS)),
          new MustNotKnow("org.greygate.logline.", DOMAIN),
          new MustNotKnow("org.greygate.files.", DOMAIN),
          new MustNotKnow("org.greygate.program.", DOMAIN),
          new MustNotKnow(
              "org.greygate.queue.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.policy",
                  "org.greygate.ratelimit",
                  "org.greygate.store",
                  "org.greygate.protocol",
                  "org.greygate.server",
                  "org.greygate.app")),
          new MustNotKnow(
              "org.greygate.protocol.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.policy",
                  "org.greygate.store",
                  "org.greygate.inet")),
          new MustNotKnow(
              "org.greygate.store.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.policy",
                  "org.greygate.protocol",
                  "org.greygate.migrate")),
          new MustNotKnow(
              "org.greygate.policy.",
              List.of("org.greygate.greylist", "org.greygate.whitelist", LMDB, MEMORY, REDIS)),
          new MustNotKnow(
              "org.greygate.greylist.", List.of("org.greygate.whitelist", LMDB, MEMORY, REDIS)),
          new MustNotKnow(
              "org.greygate.whitelist.", List.of("org.greygate.greylist", "org.greygate.store")),
          new MustNotKnow("org.greygate.migrate.", List.of("org.greygate.greylist", LMDB, MEMORY)),
          new MustNotKnow(
              "org.greygate.ratelimit.",
              List.of("org.greygate.greylist", "org.greygate.whitelist", LMDB, MEMORY, REDIS)),
          // DNS answers feed decisions, never the other way round
          new MustNotKnow("org.greygate.dns.", DOMAIN),
          new MustNotKnow(
              "org.greygate.spf.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.dnslist",
                  "org.greygate.store",
                  "org.greygate.server")),
          new MustNotKnow(
              "org.greygate.dnslist.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.spf",
                  "org.greygate.store",
                  "org.greygate.server")),
          new MustNotKnow(
              "org.greygate.server.",
              List.of(
                  "org.greygate.greylist",
                  "org.greygate.whitelist",
                  "org.greygate.policy",
                  "org.greygate.store")));

  private static final Pattern REFERENCE =
      Pattern.compile(
          "\\b((?:org\\.greygate|io\\.netty|io\\.prometheus|io\\.lettuce|org\\.lmdbjava|picocli|jnr)(?:\\.\\w+)*)");

  /** Source without comments and string or char literals, so only code is checked. */
  static String code(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int i = 0;
    int n = source.length();
    while (i < n) {
      char c = source.charAt(i);
      if (c == '/' && i + 1 < n && source.charAt(i + 1) == '/') {
        while (i < n && source.charAt(i) != '\n') i++;
      } else if (c == '/' && i + 1 < n && source.charAt(i + 1) == '*') {
        int end = source.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if (c == '"' || c == '\'') {
        if (c == '"' && source.startsWith("\"\"\"", i)) {
          int end = source.indexOf("\"\"\"", i + 3);
          i = end < 0 ? n : end + 3;
        } else {
          i++;
          while (i < n && source.charAt(i) != c) i += source.charAt(i) == '\\' ? 2 : 1;
          i++;
        }
        out.append("\"\"");
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Every package or class name the code of a file refers to. */
  static Set<String> references(String source) {
    Set<String> out = new TreeSet<>();
    String code = code(source);
    for (String line : code.split("\n")) {
      if (line.strip().startsWith("package ")) continue;
      Matcher m = REFERENCE.matcher(line);
      while (m.find()) out.add(m.group(1));
    }
    return out;
  }

  static boolean within(String name, String pkg) {
    return pkg.endsWith(".")
        ? name.startsWith(pkg) || name.equals(pkg.substring(0, pkg.length() - 1))
        : name.equals(pkg) || name.startsWith(pkg + ".");
  }

  /** What a class named {@code cls} breaks by referring to {@code ref}; empty if nothing. */
  static List<String> violations(String cls, String ref) {
    List<String> out = new ArrayList<>();
    String pkg = cls.substring(0, cls.lastIndexOf('.'));
    for (OnlyIn r : ONLY_IN) {
      if (within(ref, r.library())
          && !within(pkg, r.library())
          && r.owners().stream().noneMatch(o -> within(cls, o))) {
        out.add(cls + " refers to " + ref);
      }
    }
    for (MustNotKnow r : MUST_NOT_KNOW) {
      boolean withSubPackages = r.pkg().endsWith(".");
      String base = withSubPackages ? r.pkg().substring(0, r.pkg().length() - 1) : r.pkg();
      if (withSubPackages ? !within(pkg, r.pkg()) : !pkg.equals(base)) continue;
      for (String forbidden : r.forbidden()) {
        if (within(ref, forbidden) && !within(ref, base)) {
          out.add(cls + " refers to " + ref + " (" + base + " must not know it)");
        }
      }
    }
    return out;
  }

  @Test
  void referencesRespectTheLayers() throws IOException {
    List<String> violations = new ArrayList<>();
    Path root = Path.of("src/main/java");
    int checked = 0;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String rel = root.relativize(f).toString().replace('\\', '/');
        String cls = rel.substring(0, rel.length() - 5).replace('/', '.');
        for (String ref : references(Files.readString(f))) violations.addAll(violations(cls, ref));
        checked++;
      }
    }
    // a wrong working directory would find no file and hold nothing
    assertTrue(checked > 100, "only " + checked + " source files found under " + root);
    assertEquals(List.of(), violations);
  }

  @Test
  void aPackagesRuleHoldsItsSubPackages() {
    // the backends live in sub-packages of store: they must not know the decision rules either
    assertEquals(
        List.of(
            "org.greygate.store.lmdb.LmdbStore refers to org.greygate.greylist.Greylisting"
                + " (org.greygate.store must not know it)"),
        violations("org.greygate.store.lmdb.LmdbStore", "org.greygate.greylist.Greylisting"));
    assertEquals(
        List.of(
            "org.greygate.metrics.prometheus.PrometheusMetrics refers to org.greygate.server.X",
            "org.greygate.metrics.prometheus.PrometheusMetrics refers to org.greygate.server.X"
                + " (org.greygate.metrics must not know it)"),
        violations("org.greygate.metrics.prometheus.PrometheusMetrics", "org.greygate.server.X"));
    // a sub-package may use its parent, and a library its owner's sub-packages
    assertEquals(
        List.of(),
        violations("org.greygate.store.lmdb.LmdbStore", "org.greygate.store.TripletStore"));
    assertEquals(
        List.of(), violations("org.greygate.store.redis.RedisConnections", "io.netty.Future"));
    assertEquals(
        List.of("org.greygate.store.redis.RedisStore refers to io.netty.Future"),
        violations("org.greygate.store.redis.RedisStore", "io.netty.Future"));
    assertEquals(
        List.of("org.greygate.store.TripletStore refers to io.netty.channel.EventLoop"),
        violations("org.greygate.store.TripletStore", "io.netty.channel.EventLoop"));
    assertEquals(
        List.of("org.greygate.store.memory.MemoryStore refers to io.netty.Future"),
        violations("org.greygate.store.memory.MemoryStore", "io.netty.Future"));
  }

  @Test
  void fullyQualifiedNamesCountButCommentsAndStringsDoNot() {
    Set<String> refs =
        references(
            "package org.greygate.x;\n"
                + "// org.greygate.server.Hidden in a comment\n"
                + "/** {@link org.greygate.store.Doc} */\n"
                + "class A { Object o = new org.greygate.server.PolicyServer(null, null, null);\n"
                + "  String s = \"io.netty.Nope\"; }\n");
    assertEquals(Set.of("org.greygate.server.PolicyServer"), refs);
    assertTrue(within("org.greygate.store.lmdb.LmdbStore", "org.greygate.store"));
    assertTrue(within("org.greygate.store.TripletStore", "org.greygate.store."));
  }
}
