package org.greygate.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * "Did you mean ...?" for a misspelt command, option or rule: the names nearest to what was typed,
 * by edit distance (a swapped pair of letters counts as one edit), or those it begins. Nothing is
 * guessed when no name is close: a wrong guess is worse than none.
 */
public final class Suggestions {
  private Suggestions() {}

  /** The nearest of {@code names} to {@code typed} ("--delay", "report or responder"), or null. */
  public static String nearest(String typed, Collection<String> names) {
    if (typed.length() > 64) return null; // no name is that long; the table would be large
    String t = typed.toLowerCase(Locale.ROOT);
    String bare = t.replaceFirst("^-+", "");
    int allowed = Math.max(1, bare.length() / 3);
    int best = Integer.MAX_VALUE;
    List<String> found = new ArrayList<>();
    for (String name : names.stream().sorted().toList()) {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.equals(t)) continue;
      int d = distance(t, n);
      if (d > allowed && !(bare.length() >= 3 && n.replaceFirst("^-+", "").startsWith(bare))) {
        continue;
      }
      if (d < best) {
        best = d;
        found.clear();
      }
      if (d == best && found.size() < 3) found.add(name);
    }
    return found.isEmpty() ? null : String.join(" or ", found);
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[a.length()][b.length()];
  }
}
