package org.greygate.whitelist;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.List;

/**
 * Case-insensitive, unanchored regexes run by RE2/J (linear time in the input).
 *
 * <p>Linear in the input is not cheap in the pattern: RE2/J writes {@code x{1000}} out as a
 * thousand copies of {@code x}, so {@code /((a{1000}){1000}){1000}/}, 25 bytes in a file, would
 * need a billion instructions (the heap runs out while compiling), and a smaller expansion costs
 * every request milliseconds. Its parser also recurses once per nested group, so thousands of
 * {@code (} overflow the stack. Before compiling, a pattern is therefore held to {@value
 * #MAX_LENGTH} characters, {@value #MAX_DEPTH} nested groups, and a size of {@value #MAX_SIZE} once
 * counted repetition is written out: far beyond what a whitelist entry needs, and a match costs
 * well under a millisecond.
 */
final class PatternList {
  static final int MAX_LENGTH = 1000;
  static final int MAX_DEPTH = 32;
  static final int MAX_SIZE = 1000;

  private final List<Pattern> patterns;

  PatternList(List<Pattern> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  static Pattern compile(String regex) {
    String problem = tooBig(regex);
    if (problem != null) {
      throw new IllegalArgumentException("bad regex /" + shown(regex) + "/: " + problem);
    }
    try {
      return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "bad regex /"
              + shown(regex)
              + "/: "
              + e.getDescription()
              + " (backreferences and lookaround are not supported: matching must stay linear)");
    }
  }

  /** A pattern in a message: the first 60 characters of a long one. */
  private static String shown(String regex) {
    return regex.length() <= 60 ? regex : regex.substring(0, 60) + "...";
  }

  /**
   * Why {@code regex} is too big to compile, or null. The size is an upper bound of RE2/J's
   * program: every literal, class or escape counts one, times the counts of the repetitions around
   * it ({@code {n}}, {@code {n,m}} count their largest, {@code {n,}} one more than n). A syntax
   * error is left to the compiler; whatever this scan misreads as a literal, RE2/J reads as
   * something no bigger.
   */
  static String tooBig(String regex) {
    if (regex.length() > MAX_LENGTH) {
      return "longer than "
          + MAX_LENGTH
          + " characters (a regex may be at most "
          + MAX_LENGTH
          + ")";
    }
    // one frame per open group: the size of what it holds, and of its last item (for a repeat)
    long[] size = new long[MAX_DEPTH + 1];
    long[] last = new long[MAX_DEPTH + 1];
    int depth = 0;
    int n = regex.length();
    for (int i = 0; i < n; i++) {
      char c = regex.charAt(i);
      long item = 1;
      switch (c) {
        case '(' -> {
          if (depth == MAX_DEPTH) {
            return "groups nested deeper than " + MAX_DEPTH;
          }
          depth++;
          size[depth] = 0;
          last[depth] = 0;
          continue;
        }
        case ')' -> {
          if (depth == 0) continue; // unbalanced: the compiler says so
          item = size[depth] + 1;
          depth--;
        }
        case '|' -> {
          // one more branch instruction, and nothing to repeat after it
          size[depth] = add(size[depth], 1);
          last[depth] = 0;
          if (size[depth] > MAX_SIZE) return sizeProblem();
          continue;
        }
        case '*', '+', '?' -> {
          // a loop or branch around the item, not a copy of it
          size[depth] = add(size[depth], 1);
          last[depth] = add(last[depth], 1);
          if (size[depth] > MAX_SIZE) return sizeProblem();
          continue;
        }
        case '{' -> {
          int close = regex.indexOf('}', i);
          long count = close < 0 ? -1 : repeat(regex.substring(i + 1, close));
          if (count >= 0) {
            size[depth] = add(size[depth], mul(last[depth], count - 1));
            last[depth] = mul(last[depth], count);
            if (size[depth] > MAX_SIZE) return sizeProblem();
            i = close;
            continue;
          }
          // a literal '{'
        }
        case '[' -> i = classEnd(regex, i);
        case '\\' -> {
          if (i + 1 < n && regex.charAt(i + 1) == 'Q') {
            // quoted text: a literal per character, and a repeat takes the last one
            int end = regex.indexOf("\\E", i + 2);
            if (end < 0) end = n;
            size[depth] = add(size[depth], end - (i + 2));
            last[depth] = end > i + 2 ? 1 : 0;
            if (size[depth] > MAX_SIZE) return sizeProblem();
            i = Math.min(n, end + 1);
            continue;
          }
          i = escapeEnd(regex, i);
        }
        default -> {
          // a literal
        }
      }
      size[depth] = add(size[depth], item);
      last[depth] = item;
      if (size[depth] > MAX_SIZE) return sizeProblem();
    }
    return null;
  }

  private static String sizeProblem() {
    return "expands to more than "
        + MAX_SIZE
        + " parts once its counted repetitions are written out (a regex may have at most "
        + MAX_SIZE
        + ")";
  }

  /** The copies {@code {n}}, {@code {n,}}, {@code {n,m}} make (their inside given), or -1. */
  private static long repeat(String inside) {
    int comma = inside.indexOf(',');
    String min = comma < 0 ? inside : inside.substring(0, comma);
    String max = comma < 0 ? inside : inside.substring(comma + 1);
    if (!digits(min) || !max.isEmpty() && !digits(max)) return -1;
    long lo = Long.parseLong(min);
    if (comma >= 0 && max.isEmpty()) return lo + 1;
    return Math.max(lo, Long.parseLong(max));
  }

  private static boolean digits(String s) {
    if (s.isEmpty() || s.length() > 9) return false;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
    }
    return true;
  }

  /** Where the class opened at {@code open} ends ({@code ]}, or the last character). */
  private static int classEnd(String re, int open) {
    int i = open + 1;
    if (i < re.length() && re.charAt(i) == '^') i++;
    if (i < re.length() && re.charAt(i) == ']') i++; // a leading ']' is itself
    for (; i < re.length(); i++) {
      char c = re.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[' && i + 1 < re.length() && re.charAt(i + 1) == ':') {
        int end = re.indexOf(":]", i + 2);
        if (end >= 0) i = end + 1;
      } else if (c == ']') {
        return i;
      }
    }
    return re.length() - 1;
  }

  /** Where the escape at {@code slash} ends: {@code \x{..}}, {@code \p{..}}, or its letter. */
  private static int escapeEnd(String re, int slash) {
    int i = slash + 1;
    if (i >= re.length()) return slash;
    char c = re.charAt(i);
    if ((c == 'x' || c == 'p' || c == 'P') && i + 1 < re.length() && re.charAt(i + 1) == '{') {
      int end = re.indexOf('}', i);
      return end < 0 ? re.length() - 1 : end;
    }
    return i;
  }

  private static long add(long a, long b) {
    return Math.min(a + b, Long.MAX_VALUE / 4);
  }

  private static long mul(long a, long b) {
    if (a == 0 || b == 0) return 0;
    return a > (Long.MAX_VALUE / 4) / b ? Long.MAX_VALUE / 4 : a * b;
  }

  /** The first pattern found in {@code value}, as its entry ({@code /regex/}), or null. */
  String find(String value) {
    for (Pattern p : patterns) {
      if (p.matcher(value).find()) {
        return "/" + p.pattern() + "/";
      }
    }
    return null;
  }

  int size() {
    return patterns.size();
  }
}
