package org.greygate.whitelist;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.greygate.inet.Cidr;
import org.greygate.inet.IpAddress;

/**
 * Clients that are never greylisted. Entries, one per line, as in Postgrey:
 *
 * <ul>
 *   <li>{@code /regex/}: searched in the client's reverse-DNS name, case-insensitive;
 *   <li>{@code 192.0.2.1}, {@code 192.0.2.0/24}, {@code 2001:db8::/32}: addresses and networks;
 *   <li>{@code 192.0.2} and {@code 198.51}: partial IPv4, meaning /24 and /16;
 *   <li>anything else without spaces: a host name, matching itself and every name below it.
 * </ul>
 *
 * Matching costs a few hash lookups per request whatever the list size (regexes aside). Immutable
 * and thread-safe.
 */
public final class ClientWhitelist {
  private final Set<String> names;

  /** prefix length -> networks of that length, for IPv4 and IPv6 separately. */
  private final Map<Integer, Set<IpAddress>> v4;

  private final Map<Integer, Set<IpAddress>> v6;
  private final PatternList patterns;

  private ClientWhitelist(
      Set<String> names,
      Map<Integer, Set<IpAddress>> v4,
      Map<Integer, Set<IpAddress>> v6,
      List<Pattern> patterns) {
    this.names = names;
    this.v4 = v4;
    this.v6 = v6;
    this.patterns = new PatternList(patterns);
  }

  public static final ClientWhitelist EMPTY = new Builder().build();

  public boolean matches(String clientName, IpAddress address) {
    return match(clientName, address) != null;
  }

  /**
   * The entry that lets this client through ({@code example.org}, {@code 192.0.2.0/24}, {@code
   * /regex/}), or null. Networks are written as network/prefix whatever the file's spelling.
   */
  public String match(String clientName, IpAddress address) {
    if (address != null) {
      for (Map.Entry<Integer, Set<IpAddress>> e : (address.isV4() ? v4 : v6).entrySet()) {
        IpAddress net = address.network(e.getKey());
        if (e.getValue().contains(net)) {
          return net + "/" + e.getKey();
        }
      }
    }
    if (clientName == null || clientName.isEmpty()) {
      return null;
    }
    if (!names.isEmpty()) {
      String name = Ascii.lower(clientName);
      if (names.contains(name)) {
        return name;
      }
      for (int i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) {
        String parent = name.substring(i + 1);
        if (names.contains(parent)) {
          return parent;
        }
      }
    }
    return patterns.find(clientName);
  }

  public int size() {
    int n = names.size() + patterns.size();
    for (Set<IpAddress> s : v4.values()) n += s.size();
    for (Set<IpAddress> s : v6.values()) n += s.size();
    return n;
  }

  // compiled once: a list of many thousand entries is read at every reload
  private static final java.util.regex.Pattern V4 =
      java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?");
  private static final java.util.regex.Pattern V4_24 =
      java.util.regex.Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  private static final java.util.regex.Pattern V4_16 =
      java.util.regex.Pattern.compile("\\d{1,3}\\.\\d{1,3}");
  private static final java.util.regex.Pattern V6 = java.util.regex.Pattern.compile(".*:.*:.*");

  /** Collects entries; {@link #add} rejects a malformed one with a reason. Not thread-safe. */
  public static final class Builder {
    private final Set<String> names = new HashSet<>();
    private final Map<Integer, Set<IpAddress>> v4 = new TreeMap<>();
    private final Map<Integer, Set<IpAddress>> v6 = new TreeMap<>();
    private final List<Pattern> patterns = new ArrayList<>();

    /**
     * Adds one entry (comment and surrounding blanks already removed).
     *
     * @throws IllegalArgumentException with the reason the entry is unusable
     */
    public Builder add(String entry) {
      if (entry.length() > 2 && entry.startsWith("/") && entry.endsWith("/") && noSpace(entry)) {
        patterns.add(PatternList.compile(entry.substring(1, entry.length() - 1)));
      } else if (V4.matcher(entry).matches()) {
        network(Cidr.parse(entry));
      } else if (V4_24.matcher(entry).matches()) {
        network(Cidr.parse(entry + ".0/24"));
      } else if (V4_16.matcher(entry).matches()) {
        network(Cidr.parse(entry + ".0.0/16"));
      } else if (V6.matcher(entry).matches()) {
        network(Cidr.parse(entry));
      } else if (entry.indexOf('/') >= 0) {
        // a client's name never holds '/': as a host name this would whitelist nothing, silently
        throw new IllegalArgumentException(
            "'"
                + entry
                + "' is neither a network (192.0.2.0/24, 2001:db8::/32) nor a host name"
                + " nor a /regex/");
      } else if (noSpace(entry)) {
        String name = Ascii.lower(entry.startsWith(".") ? entry.substring(1) : entry);
        if (name.isEmpty()) {
          throw new IllegalArgumentException("empty host name");
        }
        names.add(name);
      } else {
        throw new IllegalArgumentException(
            "doesn't look like a host name, address or /regex/: " + entry);
      }
      return this;
    }

    private void network(Cidr cidr) {
      IpAddress net = cidr.network();
      (net.isV4() ? v4 : v6).computeIfAbsent(cidr.prefix(), p -> new HashSet<>()).add(net);
    }

    public ClientWhitelist build() {
      return new ClientWhitelist(Set.copyOf(names), copy(v4), copy(v6), patterns);
    }

    private static Map<Integer, Set<IpAddress>> copy(Map<Integer, Set<IpAddress>> m) {
      Map<Integer, Set<IpAddress>> out = new TreeMap<>();
      m.forEach((k, v) -> out.put(k, Set.copyOf(v)));
      return java.util.Collections.unmodifiableMap(out);
    }
  }

  static boolean noSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
