package org.greygate.whitelist;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Recipients whose mail is never greylisted. Entries, one per line, as in Postgrey (Postfix
 * access(5) style):
 *
 * <ul>
 *   <li>{@code user@example.org}: that address, also with any {@code +extension};
 *   <li>{@code user@}: that local part (and its extensions) in any domain;
 *   <li>{@code example.org}: every address in that domain and its subdomains;
 *   <li>{@code /regex/}: searched in the recipient, case-insensitive.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class RecipientWhitelist {
  private final Set<String> addresses; // user@domain
  private final Set<String> users; // user
  private final Set<String> domains; // domain
  private final PatternList patterns;

  private RecipientWhitelist(
      Set<String> addresses, Set<String> users, Set<String> domains, List<Pattern> patterns) {
    this.addresses = addresses;
    this.users = users;
    this.domains = domains;
    this.patterns = new PatternList(patterns);
  }

  public static final RecipientWhitelist EMPTY = new Builder().build();

  public boolean matches(String recipient) {
    return match(recipient) != null;
  }

  /**
   * The entry that lets mail to {@code recipient} through ({@code user@}, {@code user@example.org},
   * {@code example.org}, {@code /regex/}), or null.
   */
  public String match(String recipient) {
    if (recipient == null) {
      return null;
    }
    String r = Ascii.lower(recipient);
    int at = r.indexOf('@');
    if (at >= 0) {
      String local = r.substring(0, at);
      String domain = r.substring(at + 1);
      boolean oneAt = domain.indexOf('@') < 0;
      // "user" matches itself and "user+EXT" (EXT not empty), for every '+' in the local part
      for (int end = local.length(); end >= 0; end = local.lastIndexOf('+', end - 1)) {
        if (end <= local.length() - 2 || end == local.length()) {
          String user = local.substring(0, end);
          if (users.contains(user)) {
            return user + "@";
          }
          if (oneAt && addresses.contains(user + "@" + domain)) {
            return user + "@" + domain;
          }
        }
        if (end == 0) {
          break;
        }
      }
    }
    if (!domains.isEmpty()) {
      for (int i = 0; i < r.length(); i++) {
        char c = r.charAt(i);
        if ((c == '@' || c == '.') && domains.contains(r.substring(i + 1))) {
          return r.substring(i + 1);
        }
      }
    }
    return patterns.find(recipient);
  }

  public int size() {
    return addresses.size() + users.size() + domains.size() + patterns.size();
  }

  /** Collects entries; {@link #add} rejects a malformed one with a reason. Not thread-safe. */
  public static final class Builder {
    private final Set<String> addresses = new HashSet<>();
    private final Set<String> users = new HashSet<>();
    private final Set<String> domains = new HashSet<>();
    private final List<Pattern> patterns = new ArrayList<>();

    public Builder add(String entry) {
      if (entry.length() > 2
          && entry.startsWith("/")
          && entry.endsWith("/")
          && ClientWhitelist.noSpace(entry)) {
        patterns.add(PatternList.compile(entry.substring(1, entry.length() - 1)));
        return this;
      }
      if (!ClientWhitelist.noSpace(entry)) {
        throw new IllegalArgumentException("doesn't look like an address: " + entry);
      }
      String e = Ascii.lower(entry);
      int at = e.indexOf('@');
      if (at < 0) {
        domains.add(e.startsWith(".") ? e.substring(1) : e);
      } else if (at == 0) {
        throw new IllegalArgumentException("empty local part: " + entry);
      } else if (at == e.length() - 1) {
        users.add(e.substring(0, at));
      } else {
        addresses.add(e);
      }
      return this;
    }

    public RecipientWhitelist build() {
      return new RecipientWhitelist(
          Set.copyOf(addresses), Set.copyOf(users), Set.copyOf(domains), patterns);
    }
  }
}
