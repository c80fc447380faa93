package org.greygate.whitelist;

/** Case folding for matching: A-Z only, as Postgrey's byte-wise case-insensitive match does. */
final class Ascii {
  private Ascii() {}

  static String lower(String s) {
    char[] chars = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (chars == null) {
          chars = s.toCharArray();
        }
        chars[i] = (char) (c + 32);
      }
    }
    return chars == null ? s : new String(chars);
  }
}
