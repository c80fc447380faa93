package org.greygate.doctor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Postfix restriction list ({@code smtpd_recipient_restrictions} and the like) as items: a
 * restriction and, for those that take one, its argument ({@code check_policy_service
 * inet:127.0.0.1:10023}, or a group {@code { inet:127.0.0.1:10023, policy_context=submission }}).
 * Items are separated by commas and white space, as Postfix reads them.
 */
public record Restrictions(List<Item> items) {
  public Restrictions {
    items = List.copyOf(items);
  }

  /**
   * @param name the restriction, lower-cased
   * @param argument its argument as written (a group with its braces), or null
   */
  public record Item(String name, String argument) {
    @Override
    public String toString() {
      return argument == null ? name : name + " " + argument;
    }

    /** For {@code check_policy_service}: the service's name, the first word of a group. */
    String service() {
      if (argument == null) return null;
      if (!argument.startsWith("{")) return argument;
      List<String> words = flat(argument.substring(1, argument.length() - 1));
      return words.isEmpty() ? null : words.get(0);
    }

    /**
     * For a group: the {@code policy_context} it gives ({@code policy_context=submission}, spaces
     * around {@code =} allowed), or null.
     */
    String policyContext() {
      if (argument == null || !argument.startsWith("{")) return null;
      List<String> words = flat(argument.substring(1, argument.length() - 1));
      for (int i = 1; i < words.size(); i++) {
        String w = words.get(i);
        if (w.startsWith("policy_context=")) return w.substring("policy_context=".length());
        if (w.equals("policy_context") && i + 1 < words.size()) {
          String next = words.get(i + 1);
          if (next.equals("=") && i + 2 < words.size()) return words.get(i + 2);
          if (next.startsWith("=")) return next.substring(1);
        }
        if (w.equals("policy_context=") && i + 1 < words.size()) return words.get(i + 1);
      }
      return null;
    }
  }

  /** The list a parameter's value holds; unbalanced braces end the list where they begin. */
  public static Restrictions parse(String value) {
    List<String> words = words(value == null ? "" : value);
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String name = words.get(i).toLowerCase(Locale.ROOT);
      if (takesArgument(name) && i + 1 < words.size()) {
        items.add(new Item(name, words.get(++i)));
      } else {
        items.add(new Item(name, null));
      }
    }
    return new Restrictions(items);
  }

  /** The words of a list: a braced group is one word. */
  static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == ',' || Character.isWhitespace(c)) {
        i++;
      } else if (c == '{') {
        int depth = 0;
        int j = i;
        for (; j < s.length(); j++) {
          if (s.charAt(j) == '{') depth++;
          if (s.charAt(j) == '}' && --depth == 0) break;
        }
        if (j >= s.length()) break; // unbalanced: Postfix refuses it too
        out.add("{ " + String.join(", ", flat(s.substring(i + 1, j))) + " }");
        i = j + 1;
      } else {
        int j = i;
        while (j < s.length()
            && s.charAt(j) != ','
            && s.charAt(j) != '{'
            && !Character.isWhitespace(s.charAt(j))) j++;
        out.add(s.substring(i, j));
        i = j;
      }
    }
    return out;
  }

  /** A group's words, split at commas and spaces outside nested braces (kept as they are). */
  static List<String> flat(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{') depth++;
      if (c == '}') depth--;
      if (depth == 0 && (c == ',' || Character.isWhitespace(c))) {
        if (word.length() > 0) out.add(word.toString());
        word.setLength(0);
      } else {
        word.append(c);
      }
    }
    if (word.length() > 0) out.add(word.toString());
    return out;
  }

  /** Restrictions that take the next word as their argument (a table, a service, a DNS zone). */
  static boolean takesArgument(String name) {
    return name.startsWith("check_") && !name.equals("check_relay_domains")
        || name.equals("reject_rbl_client")
        || name.startsWith("reject_rhsbl_")
        || name.equals("permit_dnswl_client")
        || name.equals("permit_rhswl_client");
  }

  /** The index of the first item named {@code name}, or -1. */
  public int indexOf(String name) {
    for (int i = 0; i < items.size(); i++) if (items.get(i).name().equals(name)) return i;
    return -1;
  }

  /** The list with the item at {@code from} moved to just after the item at {@code after}. */
  public Restrictions moveAfter(int from, int after) {
    List<Item> out = new ArrayList<>(items);
    Item moved = out.remove(from);
    out.add(from < after ? after : after + 1, moved);
    return new Restrictions(out);
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    for (Item i : items) parts.add(i.toString());
    return String.join(", ", parts);
  }
}
