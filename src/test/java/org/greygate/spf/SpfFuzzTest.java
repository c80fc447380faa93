package org.greygate.spf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.greygate.dns.Answer;
import org.greygate.dns.DnsException;
import org.greygate.dns.Lookups;
import org.greygate.inet.IpAddress;

/**
 * SPF from outside input: the records and every DNS answer come from whoever controls the sender's
 * domain, the sender's address from the SMTP client. Two targets, in this package to see the work
 * counters:
 *
 * <ul>
 *   <li>{@link #anyMacroString}: a macro-string and values; the syntax check and the expansion
 *       agree, the expansion is exactly the plain reference's (expand all, drop labels one by one),
 *       and its work is linear in the spec and never depends on the values' length beyond the tail;
 *   <li>{@link #anyRecordsAndAnswers}: a zone (TXT, A, AAAA, MX, PTR answers and failures, a
 *       wildcard for names made by macros) and a sender; check_host() ends normally, within the
 *       lookup limits and the work limit, asking DNS only for names that can be names.
 * </ul>
 *
 * Inputs are text, one item a line, so that seeds can be written by hand (the committed ones
 * include the attack of a record of hundreds of {@code %{s}} with a 2,000-character sender).
 * Replayed from the corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=SpfFuzzTest -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class SpfFuzzTest {

  /** Line 1: the spec; 2: the sender; 3: the current domain; 4: the client address. */
  @FuzzTest(maxDuration = "5m")
  void anyMacroString(FuzzedDataProvider data) {
    String[] lines = lines(data, 4);
    String spec = lines[0];
    MacroExpander.Values v = values(lines[1], lines[2], lines[3]);
    String domain = lines[2];
    boolean valid;
    try {
      MacroExpander.checkSyntax(spec, spec);
      valid = true;
    } catch (SpfRecord.SpfSyntaxException e) {
      valid = false;
    }
    SpfWork work = new SpfWork(Long.MAX_VALUE);
    String got;
    try {
      got = MacroExpander.expandDomain(spec, domain, v, work);
    } catch (IllegalArgumentException e) {
      assertTrue(!valid, "checked valid, expansion refused: " + e.getMessage());
      return;
    }
    assertTrue(valid, "checked invalid, yet expanded");
    int macros = 0;
    for (int i = 0; i < spec.length(); i++) if (spec.charAt(i) == '%') macros++;
    int longest =
        Math.max(
            Math.max(v.sender().length(), v.helo().length()),
            Math.max(domain.length(), v.senderDomain().length()));
    // a forward macro reads at most TAIL + 1 characters, a reversed one at most its value; each
    // writes at most TAIL + 1 characters, 9 each when escaped
    assertTrue(
        work.units() <= spec.length() + (long) macros * (longest + 10L * MacroExpander.TAIL + 64),
        work.units() + " units for " + spec.length() + " characters, " + macros + " macros");
    String want = MacroExpanderTest.Reference.expandDomain(spec, domain, v);
    if (want.length() <= MacroExpander.MAX_NAME) {
      assertEquals(want, got);
    } else {
      assertTrue(got.length() > MacroExpander.MAX_NAME && got.indexOf('.') < 0, got);
      assertTrue(want.endsWith(got), got);
    }
  }

  /**
   * Line 1: the client address; 2: the sender; 3: the HELO name; then one answer a line, {@code
   * NAME TYPE VALUE} with TYPE one of TXT A AAAA MX PTR, or {@code NAME FAIL} for a lookup that
   * fails; NAME {@code *} answers any name not listed. Unlisted names do not exist.
   */
  @FuzzTest(maxDuration = "5m")
  void anyRecordsAndAnswers(FuzzedDataProvider data) {
    String[] lines = lines(data, 200);
    IpAddress ip = IpAddress.parse(lines[0].trim());
    if (ip == null) ip = IpAddress.parse("192.0.2.1");
    Zone zone = new Zone();
    for (int i = 3; i < lines.length; i++) zone.add(lines[i]);
    String sender = lines[1];
    String domain = SpfGrouping.senderDomain(sender);
    if (domain == null) domain = "d.test";
    String h = lines[2];
    String s = sender.isEmpty() ? "postmaster@" + h : sender;
    int at = s.lastIndexOf('@');
    MacroExpander.Values v =
        new MacroExpander.Values(
            s,
            at > 0 ? s.substring(0, at) : "postmaster",
            at >= 0 ? s.substring(at + 1) : s,
            ip,
            h);
    SpfWork work = new SpfWork();
    SpfEvaluator.Check c =
        new SpfEvaluator(zone, Runnable::run)
            .check(ip, domain, v, work)
            .toCompletableFuture()
            .join();
    assertNotNull(c.result);
    assertNotNull(c.detail);
    // the last step may go past the limit by one record's parse or one macro, never further
    long step =
        (long) SpfWork.RECORD_WEIGHT * zone.longestTxt + s.length() + 10L * MacroExpander.TAIL;
    assertTrue(work.units() <= SpfWork.LIMIT + step, work.units() + " units");
    // 11 records (the first and 10 lookups), 10 MX names each looked up, PTR and its 10 names
    assertTrue(zone.asked <= 11 + 10 * 11 + 11, zone.asked + " questions");
    for (String name : zone.names) {
      assertTrue(SpfEvaluator.validDomain(name), "asked DNS for '" + name + "'");
    }
  }

  private static String[] lines(FuzzedDataProvider data, int max) {
    String text = new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
    String[] split = text.split("\n", max + 1);
    String[] out = new String[Math.max(split.length, 4)];
    for (int i = 0; i < out.length; i++) out[i] = i < split.length ? split[i] : "";
    if (split.length > max) out[max] = ""; // the unsplit rest
    return out;
  }

  private static MacroExpander.Values values(String sender, String domain, String ip) {
    int at = sender.lastIndexOf('@');
    IpAddress a = IpAddress.parse(ip.trim());
    return new MacroExpander.Values(
        sender,
        at > 0 ? sender.substring(0, at) : "postmaster",
        at >= 0 ? sender.substring(at + 1) : sender,
        a == null ? IpAddress.parse("192.0.2.1") : a,
        domain);
  }

  /** Answers from the input; every question counted, every name asked kept. */
  static final class Zone implements Lookups {
    final Map<String, List<String>> answers = new HashMap<>();
    final List<String> names = new ArrayList<>();
    int asked;
    int longestTxt;

    void add(String line) {
      String[] f = line.split(" ", 3);
      if (f.length < 2) return;
      String type = f[1];
      if (!List.of("TXT", "A", "AAAA", "MX", "PTR", "FAIL").contains(type)) return;
      String key = f[0].toLowerCase(java.util.Locale.ROOT) + " " + type;
      String value = f.length > 2 ? f[2] : "";
      answers.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      if (type.equals("TXT")) longestTxt = Math.max(longestTxt, value.length());
    }

    private List<String> find(String name, String type) {
      String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      n = n.toLowerCase(java.util.Locale.ROOT);
      asked++;
      names.add(n);
      if (answers.containsKey(n + " FAIL") || (!has(n) && answers.containsKey("* FAIL"))) {
        throw new DnsException(type + " " + n + ": timed out", null);
      }
      List<String> values = answers.get(n + " " + type);
      if (values == null && !has(n)) values = answers.get("* " + type);
      return values == null ? List.of() : values;
    }

    private boolean has(String n) {
      for (String t : List.of("TXT", "A", "AAAA", "MX", "PTR", "FAIL")) {
        if (answers.containsKey(n + " " + t)) return true;
      }
      return false;
    }

    private <T> CompletionStage<Answer<T>> answer(java.util.function.Supplier<List<T>> values) {
      try {
        return CompletableFuture.completedFuture(new Answer<>(values.get(), 300));
      } catch (DnsException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    private static List<InetAddress> addresses(List<String> values, int length) {
      List<InetAddress> out = new ArrayList<>();
      for (String v : values) {
        IpAddress ip = IpAddress.parse(v.trim());
        if (ip == null || ip.toBytes().length != length) continue;
        try {
          out.add(InetAddress.getByAddress(ip.toBytes()));
        } catch (UnknownHostException e) {
          throw new IllegalStateException(e);
        }
      }
      return out;
    }

    @Override
    public CompletionStage<Answer<InetAddress>> ipv4(String name) {
      return answer(() -> addresses(find(name, "A"), 4));
    }

    @Override
    public CompletionStage<Answer<InetAddress>> ipv6(String name) {
      return answer(() -> addresses(find(name, "AAAA"), 16));
    }

    @Override
    public CompletionStage<Answer<String>> txt(String name) {
      return answer(() -> find(name, "TXT"));
    }

    @Override
    public CompletionStage<Answer<String>> mx(String name) {
      return answer(() -> find(name, "MX"));
    }

    @Override
    public CompletionStage<Answer<String>> ptr(InetAddress address) {
      String n = IpAddress.ofBytes(address.getAddress()).toString();
      return answer(
          () -> {
            asked++;
            List<String> v = answers.get(n + " PTR");
            return v == null ? List.of() : v;
          });
    }
  }
}
