package org.greygate.ratelimit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.greygate.config.Durations;

/**
 * The rules file, parsed: one rule a line, and exemptions.
 *
 * <pre>
 * # NAME       KEY                COUNT       LIMIT  WINDOW  ACTION  [TEXT]
 * user-burst   sasl_username      messages    30     10m     HOLD
 * user-daily   sasl_username      recipients  2000   1d      DEFER   "daily limit reached"
 * ip-bulk      client_address/24  messages    500    1h      REJECT
 * exempt       sasl_username      newsletter@example.org
 * </pre>
 *
 * A window is {@code N} seconds or {@code Ns}, {@code Nm}, {@code Nh}, {@code Nd}. An {@code exempt
 * KEY VALUE} line takes VALUE out of every rule counting by KEY. '#' starts a comment outside
 * quotes.
 *
 * <p>Beside it, {@code FILE.local} (when there is one) gives single keys their own limits, one a
 * line: {@code VALUE RULE LIMIT}, e.g. {@code alice@example.org user-daily 5000}. Immutable.
 */
public record RateRules(
    List<RateRule> rules, Map<KeySpec, Set<String>> exempt, Map<String, Long> overrides) {
  public static final RateRules NONE = new RateRules(List.of(), Map.of(), Map.of());

  /**
   * @param overrides per-key limits from {@code FILE.local}, by {@code RULE + " " + VALUE}
   */
  public RateRules {
    rules = List.copyOf(rules);
    exempt = Map.copyOf(exempt);
    overrides = Map.copyOf(overrides);
  }

  /** The limit of {@code rule} for {@code value}: its override, or the rule's own. */
  public long limit(RateRule rule, String value) {
    if (overrides.isEmpty()) return rule.limit();
    Long l = overrides.get(rule.name() + " " + value);
    return l == null ? rule.limit() : l;
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /** Whether {@code value} of {@code key} is exempt. */
  boolean exempt(KeySpec key, String value) {
    Set<String> s = exempt.get(key);
    return s != null && s.contains(value);
  }

  /** A rules file that cannot be used: the message says FILE:LINE and why. */
  public static final class Invalid extends org.greygate.config.ConfigurationException {
    private static final long serialVersionUID = 1L;

    public Invalid(String message) {
      super(message);
    }
  }

  /** Reads FILE and, when it exists, FILE.local. */
  public static RateRules load(Path file) throws Invalid {
    RateRules rules = parse(read(file), file.toString());
    Path local = file.resolveSibling(file.getFileName() + ".local");
    if (!Files.exists(local)) return rules;
    return rules.withOverrides(read(local), local.toString());
  }

  private static List<String> read(Path file) throws Invalid {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new Invalid(file + ": no such file");
    } catch (IOException e) {
      throw new Invalid(file + ": " + e.getMessage());
    }
    return lines(bytes, file.toString());
  }

  /**
   * The lines of a UTF-8 file, ended by {@code \n}, {@code \r\n} or {@code \r} as {@link
   * Files#readAllLines} ends them; bytes that are not UTF-8 are named by line and column.
   */
  static List<String> lines(byte[] bytes, String source) throws Invalid {
    List<String> out = new ArrayList<>();
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      boolean end = i == bytes.length;
      if (!end && bytes[i] != '\n' && bytes[i] != '\r') continue;
      if (end && start == i) break; // no text after the last line end
      try {
        out.add(utf8.decode(ByteBuffer.wrap(bytes, start, i - start)).toString());
      } catch (CharacterCodingException e) {
        ByteBuffer in = ByteBuffer.wrap(bytes, start, i - start);
        utf8.reset().decode(in, CharBuffer.allocate(i - start), true);
        throw new Invalid(
            String.format(
                "%s:%d: not UTF-8 text (byte 0x%02X at column %d)",
                source, out.size() + 1, bytes[in.position()] & 0xff, in.position() - start + 1));
      }
      if (!end && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') i++;
      start = i + 1;
    }
    return out;
  }

  /** These rules with the per-key limits of {@code lines} ({@code VALUE RULE LIMIT}). */
  public RateRules withOverrides(List<String> lines, String source) throws Invalid {
    Map<String, RateRule> byName = new HashMap<>();
    for (RateRule r : rules) byName.put(r.name(), r);
    Map<String, Long> out = new HashMap<>(overrides);
    for (int i = 0; i < lines.size(); i++) {
      String where = source + ":" + (i + 1);
      try {
        List<String> f = fields(lines.get(i));
        if (f.isEmpty()) continue;
        if (f.size() != 3) throw new IllegalArgumentException("expected: VALUE RULE LIMIT");
        RateRule rule = byName.get(f.get(1));
        if (rule == null) {
          throw new IllegalArgumentException("no rule named " + f.get(1) + " in the rules file");
        }
        String value = rule.key().normalise(f.get(0));
        if (out.put(rule.name() + " " + value, limit(f.get(2))) != null) {
          throw new IllegalArgumentException("a second limit for " + value + " in " + rule.name());
        }
      } catch (IllegalArgumentException e) {
        throw new Invalid(where + ": " + e.getMessage());
      }
    }
    return new RateRules(rules, exempt, out);
  }

  public static RateRules parse(List<String> lines, String source) throws Invalid {
    List<RateRule> rules = new ArrayList<>();
    Map<KeySpec, Set<String>> exempt = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String where = source + ":" + (i + 1);
      List<String> f;
      try {
        f = fields(lines.get(i));
      } catch (IllegalArgumentException e) {
        throw new Invalid(where + ": " + e.getMessage());
      }
      if (f.isEmpty()) continue;
      try {
        if (f.get(0).equalsIgnoreCase("exempt")) {
          if (f.size() != 3) {
            throw new IllegalArgumentException("expected: exempt KEY VALUE");
          }
          KeySpec key = KeySpec.parse(f.get(1));
          String v = f.get(2).startsWith("=") ? f.get(2).substring(1) : f.get(2);
          exempt.computeIfAbsent(key, k -> new HashSet<>()).add(key.normalise(v));
          continue;
        }
        if (f.size() < 6 || f.size() > 7) {
          throw new IllegalArgumentException(
              "expected: NAME KEY COUNT LIMIT WINDOW ACTION [TEXT], found " + f.size() + " fields");
        }
        String name = f.get(0);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
          throw new IllegalArgumentException(
              "rule name '" + name + "': letters, digits, '.', '_' and '-', at most 64");
        }
        if (!names.add(name)) {
          throw new IllegalArgumentException("a second rule named " + name);
        }
        KeySpec key = KeySpec.parse(f.get(1));
        RateRule.Count count = count(f.get(2));
        if (key.perRecipient() && count != RateRule.Count.RECIPIENTS) {
          throw new IllegalArgumentException(
              "recipient_domain is counted recipient by recipient: its COUNT is recipients");
        }
        long limit = limit(f.get(3));
        long window = window(f.get(4));
        RateRule.Action action = action(f.get(5));
        if (key.perRecipient() && action == RateRule.Action.WARN) {
          // at RCPT a WARN answer would end the checks for that recipient: no greylisting
          throw new IllegalArgumentException(
              "recipient_domain rules answer at RCPT, where WARN would skip greylisting:"
                  + " use HOLD, DEFER or REJECT");
        }
        String text = f.size() == 7 ? text(f.get(6)) : null;
        rules.add(new RateRule(name, key, count, limit, window, action, text, where));
      } catch (IllegalArgumentException e) {
        throw new Invalid(where + ": " + e.getMessage());
      }
    }
    Map<KeySpec, Set<String>> frozen = new HashMap<>();
    exempt.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
    return new RateRules(rules, frozen, Map.of());
  }

  /** Splits on blanks; "..." is one field; '#' outside quotes ends the line. */
  static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        break;
      } else if (c == '"') {
        int end = line.indexOf('"', i + 1);
        if (end < 0) throw new IllegalArgumentException("a quote is not closed");
        out.add(line.substring(i + 1, end));
        i = end + 1;
      } else {
        int start = i;
        while (i < n && !Character.isWhitespace(line.charAt(i))) i++;
        out.add(line.substring(start, i));
      }
    }
    return out;
  }

  private static RateRule.Count count(String s) {
    try {
      return RateRule.Count.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown count '" + s + "' (messages, recipients or bytes)");
    }
  }

  private static RateRule.Action action(String s) {
    try {
      return RateRule.Action.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown action '" + s + "' (DEFER, REJECT, HOLD or WARN)");
    }
  }

  private static long limit(String s) {
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit '" + s + "' is not a whole number");
    }
    if (n < 1) throw new IllegalArgumentException("limit must be 1 or more, got " + s);
    return n;
  }

  /** {@code 90}, {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}: seconds, at most 366 days. */
  static long window(String s) {
    try {
      return Durations.seconds(s, 1, 366 * 86_400L);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("window " + e.getMessage());
    }
  }

  private static String text(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
        throw new IllegalArgumentException("reply text holds a control character");
      }
    }
    if (s.length() > 200) throw new IllegalArgumentException("reply text longer than 200");
    return s;
  }
}
