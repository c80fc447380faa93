package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;
import org.junit.jupiter.api.Test;

/**
 * The report's categories are defined once ({@link Category}), the reasons once ({@link Reasons}),
 * and every reason a policy logs is filed under the right one: the table below is checked against
 * the reasons the source actually writes, and the docs' list against the enum.
 */
class CategoryTest {
  static final Reasons REASONS = org.greygate.app.Features.reasons();

  /** What each reason means, decided here by reading the policy that logs it. */
  static final Map<String, Category> EXPECTED =
      Map.ofEntries(
          Map.entry("greylist/new", Category.GREYLISTED),
          Map.entry("greylist/early-retry", Category.GREYLISTED),
          Map.entry("pass/triplet found", Category.PASSED_KNOWN),
          Map.entry("pass/triplet found delay", Category.PASSED_LATE),
          Map.entry("pass/client whitelist", Category.WHITELISTED),
          Map.entry("pass/recipient whitelist", Category.WHITELISTED),
          Map.entry("pass/sender whitelist", Category.WHITELISTED), // allow-sender
          Map.entry("pass/domain policy", Category.WHITELISTED), // greylist=off
          Map.entry("pass/dnswl", Category.WHITELISTED),
          Map.entry("pass/not listed", Category.WHITELISTED),
          Map.entry("pass/client AWL", Category.AUTO_WHITELISTED),
          Map.entry("pass/fail-open", Category.FAIL_OPEN),
          Map.entry("defer/fail-open", Category.FAIL_OPEN),
          Map.entry("reject/fail-open", Category.FAIL_OPEN),
          Map.entry("ratelimit/limit burst", Category.RATE_LIMITED),
          Map.entry("pass/unknown request", Category.OTHER),
          Map.entry("pass/no policy decided", Category.OTHER),
          Map.entry("pass/not applicable", Category.OTHER),
          Map.entry("pass/responder", Category.OTHER),
          Map.entry("pass/something new", Category.OTHER),
          Map.entry("pass/new", Category.OTHER));

  @Test
  void everyReasonIsFiledUnderItsCategory() {
    EXPECTED.forEach(
        (k, want) -> {
          int slash = k.indexOf('/');
          String action = k.substring(0, slash);
          String reason = k.substring(slash + 1);
          boolean delay = reason.endsWith(" delay");
          if (delay) reason = reason.substring(0, reason.length() - " delay".length());
          assertEquals(want, REASONS.category(action, reason, delay), k);
        });
  }

  /**
   * One list of reasons: every {@code Reason} the source declares ({@code Reason.of("...")}, {@code
   * Reason.family("...")}) is in {@link Reasons#ALL}, so the report, the stats line and the docs
   * count it under its category; a note made from a literal reason (outside the policies) names a
   * declared one; and the policy packages make no note from a literal at all, only from their
   * declared reasons. A reason added to a policy without its declaration, or declared and left out
   * of the registry (so it would be counted as "other"), fails here.
   */
  @Test
  void everyReasonTheSourceLogsHasACategory() throws IOException {
    Map<String, String> declared = new TreeMap<>(); // reason -> file
    Map<String, String> literal = new TreeMap<>();
    Pattern declaration = Pattern.compile("\\bReason\\.(?:of|family)\\(\\s*\"([^\"]*)\"");
    Pattern note = Pattern.compile("(?:Note\\.of|new Outcome\\.Note|new Note)\\(");
    Pattern quoted = Pattern.compile("\"([^\"]*)\"");
    List<String> policyPackages =
        List.of("policy", "greylist", "whitelist", "dnslist", "spf", "ratelimit").stream()
            .map(p -> "org/greygate/" + p + "/")
            .toList();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String src = Files.readString(f);
        Matcher d = declaration.matcher(src);
        while (d.find()) declared.put(d.group(1), f.toString());
        Matcher m = note.matcher(src);
        while (m.find()) {
          List<String> parts = topLevel(arguments(src, m.end()));
          if (parts.size() < 2) continue; // the record's own declaration
          Matcher l = quoted.matcher(parts.get(1));
          while (l.find()) {
            literal.put(l.group(1), f.toString());
            String path = f.toString().replace('\\', '/');
            boolean inPolicies = policyPackages.stream().anyMatch(path::contains);
            assertTrue(
                !inPolicies || f.endsWith("Outcome.java"),
                "reason '"
                    + l.group(1)
                    + "' ("
                    + f
                    + ") is a literal: declare it in the package's reasons instead");
          }
        }
      }
    }
    assertTrue(declared.size() >= 15, "the scan finds the policies' reasons: " + declared);
    for (var e : declared.entrySet()) {
      assertTrue(
          REASONS.all().stream().anyMatch(r -> r.name().equals(e.getKey())),
          "reason '" + e.getKey() + "' (" + e.getValue() + ") is not in REASONS.all()");
    }
    for (var e : literal.entrySet()) {
      assertTrue(
          REASONS.find(e.getKey()) != null,
          "reason '" + e.getKey() + "' (" + e.getValue() + ") is declared nowhere");
    }
    for (Reason r : REASONS.all()) {
      assertTrue(declared.containsKey(r.name()), "REASONS.all() has '" + r + "', declared nowhere");
    }
  }

  /** Every reason has a category, one name, and one category a line files it under. */
  @Test
  void everyDeclaredReasonIsFiledUnderItsOwnCategory() {
    for (Reason r : REASONS.all()) {
      String logged = r.family() ? r.member("x") : r.name();
      assertSame(r, REASONS.find(logged), r.name());
      String action =
          r.category() == Category.GREYLISTED
              ? "greylist"
              : r.category() == Category.RATE_LIMITED ? "ratelimit" : "pass";
      assertEquals(r.category(), REASONS.category(action, logged, false), r.name());
      assertEquals(r.afterDelay(), REASONS.category(action, logged, true), r.name());
    }
    assertEquals(
        REASONS.all().size(), REASONS.all().stream().map(Reason::name).distinct().count(), "names");
  }

  /** The text of a call's arguments, from just after its {@code (} to the matching {@code )}. */
  static String arguments(String src, int from) {
    int depth = 1;
    boolean quoted = false;
    for (int i = from; i < src.length(); i++) {
      char c = src.charAt(i);
      if (c == '"' && src.charAt(i - 1) != '\\') quoted = !quoted;
      if (quoted) continue;
      if (c == '(') depth++;
      if (c == ')' && --depth == 0) return src.substring(from, i);
    }
    return "";
  }

  /** Arguments split at their top-level commas. */
  static List<String> topLevel(String args) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < args.length(); i++) {
      char c = args.charAt(i);
      if (c == '"' && (i == 0 || args.charAt(i - 1) != '\\')) quoted = !quoted;
      if (quoted) continue;
      if (c == '(' || c == '[' || c == '{') depth++;
      if (c == ')' || c == ']' || c == '}') depth--;
      if (c == ',' && depth == 0) {
        out.add(args.substring(start, i));
        start = i + 1;
      }
    }
    out.add(args.substring(start));
    return out;
  }

  /** Postgrey's reasons (1.37's source and logs) are filed as greygate's same reasons are. */
  @Test
  void postgreysReasonsToo() {
    for (String reason :
        List.of("new", "early-retry", "triplet found", "client whitelist", "recipient whitelist")) {
      assertTrue(REASONS.find(reason) != null, "postgrey " + reason);
    }
    assertEquals(Category.AUTO_WHITELISTED, REASONS.category("pass", "client AWL", false));
  }

  @Test
  void namesAreStableAndDistinct() {
    for (Category c : Category.values()) {
      assertTrue(c.id.matches("[a-z_]+"), c.id);
      assertEquals(c.label.replace(' ', '_').replace('-', '_'), c.id, "one name, two spellings");
    }
    assertEquals(
        Category.values().length,
        Arrays.stream(Category.values()).map(c -> c.label).distinct().count());
  }

  /**
   * docs/operations.md's table of categories is the enum's, row for row: label, JSON/CSV name and
   * what it counts; the README names them in the same order.
   */
  @Test
  void theDocsListTheCategoriesOfTheCode() throws IOException {
    String docs = Files.readString(Path.of("docs/operations.md"));
    Matcher rows =
        Pattern.compile("(?m)^\\| \\*\\*([^*]+)\\*\\* \\| `([a-z_]+)` \\| (.*) \\|$").matcher(docs);
    List<String> documented = new ArrayList<>();
    while (rows.find())
      documented.add(rows.group(1) + " | " + rows.group(2) + " | " + rows.group(3));
    List<String> code =
        Arrays.stream(Category.values()).map(c -> c.label + " | " + c.id + " | " + c.doc).toList();
    assertEquals(code, documented, "docs/operations.md's table of the report's categories");

    String labels = String.join(", ", Arrays.stream(Category.values()).map(c -> c.label).toList());
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(readme.contains(labels), "README.md names the categories: " + labels);
  }
}
