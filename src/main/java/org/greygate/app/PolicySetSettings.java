package org.greygate.app;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.greygate.config.InvalidSetting;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Suggestions;
import org.greygate.config.Values;
import org.greygate.feature.Feature;

/**
 * Policy sets, declared in the configuration file: one daemon for every check Postfix makes,
 * Postfix telling which in the request's {@code policy_context} ({@code check_policy_service {
 * inet:127.0.0.1:10023, policy_context=submission }}, Postfix 3.1 and later).
 *
 * <pre>
 * policy-set = inbound: whitelists, dns-lists, spf-grouping, greylisting
 * policy-set = submission: rate-limits
 * default-policy-set = inbound
 * </pre>
 *
 * A set names the parts of the chain it asks, by the names of {@link #known()}; they are asked in
 * the chain's order, whatever the order written. Without {@code default-policy-set}, a request
 * whose context names no set is asked by the whole chain, as when no set is declared.
 */
public final class PolicySetSettings {
  private PolicySetSettings() {}

  /** The daemon's own parts of the chain, by the names sets use. */
  static final String WHITELISTS = "whitelists";

  static final String GREYLISTING = "greylisting";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /**
   * One declared set.
   *
   * @param name what the request's {@code policy_context} says
   * @param members the parts of the chain it asks, as written (duplicates dropped)
   */
  public record Declared(String name, List<String> members) {
    public Declared {
      members = List.copyOf(members);
    }
  }

  public static final Setting<List<Declared>> POLICY_SET =
      Setting.list(
              "policy-set",
              "NAME:POLICIES",
              PolicySetSettings::parse,
              "A named set of policies (repeatable), asked for requests whose policy_context is"
                  + " NAME: e.g. 'submission: rate-limits'.")
          .inGroup("Operation");

  public static final Setting<String> DEFAULT_POLICY_SET =
      Setting.value(
              "default-policy-set",
              "NAME",
              null,
              Values.TEXT,
              "The policy set of requests whose policy_context is empty or names no set (none:"
                  + " every policy).")
          .inGroup("Operation");

  public static final List<Setting<?>> ALL = List.of(POLICY_SET, DEFAULT_POLICY_SET);

  /** Every name a set may hold, in the chain's order: the daemon's own and each feature's. */
  static List<String> known() {
    List<String> out = new ArrayList<>();
    out.add(WHITELISTS);
    for (Feature f : Features.ALL) {
      if (f.decides()) out.add(f.policyName());
    }
    out.add(GREYLISTING);
    return out;
  }

  /**
   * {@code NAME: member, member ...} (members separated by commas or spaces).
   *
   * @throws IllegalArgumentException saying what is wrong, with the known names
   */
  static Declared parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "expected NAME: POLICY, POLICY ..., e.g. 'submission: rate-limits', got '"
              + shown(text)
              + "'");
    }
    String name = text.substring(0, colon).strip();
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a set's name is 1 to 64 letters, digits, '.', '_' or '-' (as Postfix's policy_context"
              + " gives it), got '"
              + shown(name)
              + "'");
    }
    if (name.equals(org.greygate.policy.PolicySets.DEFAULT)) {
      throw new IllegalArgumentException(
          "'default' names the requests that match no set; give the set another name and write"
              + " default-policy-set = NAME");
    }
    List<String> known = known();
    Set<String> members = new LinkedHashSet<>();
    for (String m : text.substring(colon + 1).split("[,\\s]+")) {
      if (m.isEmpty()) continue;
      if (!known.contains(m)) {
        String near = Suggestions.nearest(m, known);
        throw new IllegalArgumentException(
            "set '"
                + name
                + "': unknown policy '"
                + shown(m)
                + "'"
                + (near == null ? "" : " (did you mean '" + near + "'?)")
                + "; known: "
                + String.join(", ", known));
      }
      members.add(m);
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException(
          "set '" + name + "' names no policy; known: " + String.join(", ", known));
    }
    return new Declared(name, new ArrayList<>(members));
  }

  /**
   * Checks the sets together: each name once, the default one declared.
   *
   * @throws InvalidSetting naming the setting
   */
  static void validate(Settings s) {
    List<Declared> sets = s.get(POLICY_SET);
    Set<String> names = new HashSet<>();
    for (Declared d : sets) {
      if (!names.add(d.name())) {
        throw new InvalidSetting(POLICY_SET.name(), "declares set '" + d.name() + "' twice");
      }
    }
    String def = s.get(DEFAULT_POLICY_SET);
    if (def != null && !names.contains(def)) {
      throw new InvalidSetting(
          DEFAULT_POLICY_SET.name(),
          "names '"
              + shown(def)
              + "', which no policy-set declares"
              + (names.isEmpty()
                  ? ""
                  : " (declared: " + String.join(", ", new TreeSet<>(names)) + ")"));
    }
  }

  /** {@code text} safe for a message: control characters shown as {@code ?}, cut at 64. */
  private static String shown(String text) {
    String t = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return t.replaceAll("\\p{Cntrl}", "?");
  }
}
