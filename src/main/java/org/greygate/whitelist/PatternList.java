package org.greygate.whitelist;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.List;

/** Case-insensitive, unanchored regexes run by RE2/J (linear time in the input). */
final class PatternList {
  private final List<Pattern> patterns;

  PatternList(List<Pattern> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  static Pattern compile(String regex) {
    try {
      return Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "bad regex /"
              + regex
              + "/: "
              + e.getDescription()
              + " (backreferences and lookaround are not supported: matching must stay linear)");
    }
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
