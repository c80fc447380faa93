package org.greygate.queue.audit;

import java.util.List;
import java.util.Set;

/**
 * What a command line runs: the first word naming a queue tool (so {@code sh -c postsuper ...} and
 * {@code xargs postsuper ...} count as well as {@code /usr/sbin/postsuper ...}), and whether it
 * acts on the whole queue.
 *
 * @param tool {@code postsuper}, {@code postqueue}, {@code postcat} or {@code postdrop}; null when
 *     no word names one
 * @param mass {@code postsuper} with {@code -d}, {@code -h}, {@code -H}, {@code -r}, {@code -e} or
 *     {@code -f} given {@code ALL} or {@code -} (queue ids from standard input)
 */
public record ToolCommand(String tool, boolean mass) {
  public static final Set<String> TOOLS = Set.of("postsuper", "postqueue", "postcat", "postdrop");

  /** postsuper's options that take an argument; those that act on the queue by id are MASS_ABLE. */
  private static final String WITH_ARGUMENT = "cdefhHr";

  private static final String MASS_ABLE = "defhHr";

  /** The analysis of {@code words} (a command and its arguments, as the log split them). */
  public static ToolCommand of(List<String> words) {
    for (int i = 0; i < words.size(); i++) {
      String name = basename(words.get(i));
      if (TOOLS.contains(name)) {
        return new ToolCommand(
            name, name.equals("postsuper") && mass(words.subList(i + 1, words.size())));
      }
    }
    return new ToolCommand(null, false);
  }

  /** As {@link #of(List)}, for a command line whose words are separated by spaces. */
  public static ToolCommand of(String commandLine) {
    return of(List.of(commandLine.split(" ", 4096)));
  }

  /** getopt's reading of postsuper's arguments: clustered flags, attached or separate values. */
  static boolean mass(List<String> args) {
    for (int j = 0; j < args.size(); j++) {
      String t = args.get(j);
      if (t.equals("--")) return false;
      if (t.length() < 2 || t.charAt(0) != '-') continue;
      for (int k = 1; k < t.length(); k++) {
        char c = t.charAt(k);
        if (WITH_ARGUMENT.indexOf(c) < 0) continue;
        String value;
        if (k + 1 < t.length()) {
          value = t.substring(k + 1);
        } else {
          value = j + 1 < args.size() ? args.get(j + 1) : "";
          j++;
        }
        if (MASS_ABLE.indexOf(c) >= 0 && (value.equals("ALL") || value.equals("-"))) return true;
        break;
      }
    }
    return false;
  }

  static String basename(String word) {
    int slash = word.lastIndexOf('/');
    return slash < 0 ? word : word.substring(slash + 1);
  }
}
