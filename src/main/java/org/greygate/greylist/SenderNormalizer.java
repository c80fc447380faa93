package org.greygate.greylist;

/**
 * Folds the many envelope senders one mailing list or bounce system uses into one, as Postgrey
 * does, so that each message does not make a new triplet:
 *
 * <ul>
 *   <li>BATV {@code prvs=TAG=user@} (or {@code prvs=user=TAG@}) becomes {@code user@};
 *   <li>an address extension ({@code user+anything@}) is dropped;
 *   <li>every run of digits standing as a word ({@code bounce-12345@}) becomes {@code #}.
 * </ul>
 *
 * An address without {@code @} is kept as it is. Case is left alone; keys are folded later.
 */
public final class SenderNormalizer {
  private SenderNormalizer() {}

  public static String normalize(String address) {
    int at = address.indexOf('@');
    if (at < 0) {
      return address;
    }
    String user = address.substring(0, at);
    String domain = address.substring(at + 1);
    if (user.startsWith("prvs=")) {
      user = unwrapBatv(user);
    }
    int plus = user.indexOf('+');
    if (plus >= 0) {
      user = user.substring(0, plus);
    }
    return replaceDigitWords(user) + "@" + domain;
  }

  /** prvs=A=B: keep the part that does not look like a tag (ten [0-9a-z] first); ties keep B. */
  private static String unwrapBatv(String user) {
    // String.split drops trailing empty fields, as Postgrey's split does: "prvs=a=" has two parts.
    String[] parts = user.split("=", 0);
    if (parts.length != 3) {
      return user;
    }
    boolean firstIsTag = looksLikeTag(parts[1]);
    boolean secondIsTag = looksLikeTag(parts[2]);
    if (firstIsTag && !secondIsTag) {
      return parts[2];
    }
    if (secondIsTag && !firstIsTag) {
      return parts[1];
    }
    return parts[2];
  }

  private static boolean looksLikeTag(String s) {
    if (s.length() < 10) {
      return false;
    }
    for (int i = 0; i < 10; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z')) {
        return false;
      }
    }
    return true;
  }

  /** Replaces each maximal digit run bounded by non-word characters (or the ends) with '#'. */
  static String replaceDigitWords(String s) {
    StringBuilder out = null;
    int n = s.length();
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (isDigit(c) && (i == 0 || !isWord(s.charAt(i - 1)))) {
        int j = i;
        while (j < n && isDigit(s.charAt(j))) {
          j++;
        }
        if (j == n || !isWord(s.charAt(j))) {
          if (out == null) {
            out = new StringBuilder(n).append(s, 0, i);
          }
          out.append('#');
          i = j;
          continue;
        }
        if (out != null) {
          out.append(s, i, j);
        }
        i = j;
        continue;
      }
      if (out != null) {
        out.append(c);
      }
      i++;
    }
    return out == null ? s : out.toString();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isWord(char c) {
    // ASCII only, as Postgrey sees it: it matches on raw bytes, where UTF-8 is never a word char.
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
  }
}
