package org.greygate.whitelist;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.greygate.config.Durations;

/**
 * Greylisting settings per recipient domain, one line per domain (or several, which add up):
 *
 * <pre>
 * example.org      delay=1m
 * .example.org     greylist=off                      # its subdomains
 * login.example    greylist=off                      # password resets and login codes
 * example.net      allow-sender=@partner.example allow-sender=/^alerts@bank\./
 * example.net      never-awl=198.51.100.0/24 never-awl=.bulk-mailer.example
 * *                greylist=off                      # opt-in: only the domains set "on"
 * </pre>
 *
 * <p>A domain is the recipient's domain exactly; {@code .example.org} is every subdomain of
 * example.org; {@code *} is every recipient. For each setting the most specific line that sets it
 * wins (the domain, then its parents' {@code .} lines, then {@code *}); sender and client lists of
 * all matching lines add up. Settings:
 *
 * <ul>
 *   <li>{@code greylist=on|off}: off never greylists the domain's mail; with {@code * greylist=off}
 *       only the domains set {@code on} are greylisted (opt-in);
 *   <li>{@code delay=DURATION}: the domain's own delay ({@code 90}, {@code 90s}, {@code 5m});
 *   <li>{@code allow-sender=SENDER}: mail from it is not greylisted: {@code user@example.com},
 *       {@code @example.com} (the domain), {@code @.example.com} (its subdomains), {@code /regex/};
 *   <li>{@code never-awl=CLIENT}: the client is never passed by its auto-whitelist count for this
 *       domain (the client whitelist grammar: address, network, name, {@code .domain}, {@code
 *       /regex/}).
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class DomainPolicies {
  public static final DomainPolicies EMPTY = new Builder().build();

  private final Map<String, Entry> exact;
  private final Map<String, Entry> subdomains;
  private final Entry any;
  private final long minDelay;
  private final int size;

  /** One domain's settings: null where the line does not set one. */
  record Entry(
      String name,
      Boolean greylist,
      Long delay,
      List<String> senderEntries,
      Senders senders,
      ClientWhitelist neverAwl) {}

  /** What applies to one recipient domain. */
  public record Resolved(
      String greylistEntry, boolean greylist, String delayEntry, long delay, List<Entry> entries) {
    /** The {@code allow-sender} entry that matches {@code sender}, or null. */
    public String senderMatch(String sender) {
      for (Entry e : entries) {
        String m = e.senders().match(sender);
        if (m != null) return m;
      }
      return null;
    }

    /** The {@code never-awl} entry that matches the client, or null. */
    public String neverAwlMatch(String clientName, org.greygate.inet.IpAddress client) {
      for (Entry e : entries) {
        String m = e.neverAwl().match(clientName, client);
        if (m != null) return m;
      }
      return null;
    }
  }

  private DomainPolicies(Map<String, Entry> exact, Map<String, Entry> subdomains, Entry any) {
    this.exact = Map.copyOf(exact);
    this.subdomains = Map.copyOf(subdomains);
    this.any = any;
    long min = -1;
    int n = 0;
    List<Entry> all = new ArrayList<>(exact.values());
    all.addAll(subdomains.values());
    if (any != null) all.add(any);
    for (Entry e : all) {
      n++;
      if (e.delay() != null && (min < 0 || e.delay() < min)) min = e.delay();
    }
    this.minDelay = min;
    this.size = n;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** How many domains (and {@code .domain}, {@code *}) lines are set. */
  public int size() {
    return size;
  }

  /** The smallest delay any domain has, or -1 when none sets one. */
  public long minDelay() {
    return minDelay;
  }

  /** The settings for mail to {@code domain} (lower case), or null when no line applies. */
  public Resolved forDomain(String domain) {
    List<Entry> entries = new ArrayList<>(3);
    Entry e = exact.get(domain);
    if (e != null) entries.add(e);
    if (!subdomains.isEmpty()) {
      for (int i = domain.indexOf('.'); i >= 0; i = domain.indexOf('.', i + 1)) {
        Entry s = subdomains.get(domain.substring(i + 1));
        if (s != null) entries.add(s);
      }
    }
    if (any != null) entries.add(any);
    if (entries.isEmpty()) return null;
    String greylistEntry = null;
    boolean greylist = true;
    String delayEntry = null;
    long delay = -1;
    for (Entry x : entries) {
      if (greylistEntry == null && x.greylist() != null) {
        greylistEntry = x.name();
        greylist = x.greylist();
      }
      if (delayEntry == null && x.delay() != null) {
        delayEntry = x.name();
        delay = x.delay();
      }
    }
    return new Resolved(greylistEntry, greylist, delayEntry, delay, List.copyOf(entries));
  }

  /** Senders written as {@code user@domain}, {@code @domain}, {@code @.domain}, {@code /re/}. */
  static final class Senders {
    private final List<String> addresses = new ArrayList<>();
    private final List<String> domains = new ArrayList<>();
    private final List<String> parents = new ArrayList<>();
    private final List<Pattern> patterns = new ArrayList<>();
    private PatternList compiled = new PatternList(List.of());

    void add(String entry) {
      if (entry.length() > 2 && entry.startsWith("/") && entry.endsWith("/")) {
        patterns.add(PatternList.compile(entry.substring(1, entry.length() - 1)));
        compiled = new PatternList(patterns);
        return;
      }
      String e = entry.toLowerCase(Locale.ROOT);
      int at = e.lastIndexOf('@');
      if (at < 0 || at == e.length() - 1 || e.indexOf('@') != at) {
        throw new IllegalArgumentException(
            "allow-sender=" + entry + ": expected user@domain, @domain, @.domain or /regex/");
      }
      if (at > 0) {
        addresses.add(e);
      } else if (e.startsWith("@.")) {
        parents.add(e.substring(2));
      } else {
        domains.add(e.substring(1));
      }
    }

    String match(String sender) {
      if (sender == null || sender.isEmpty()) return null;
      String s = sender.toLowerCase(Locale.ROOT);
      if (addresses.contains(s)) return s;
      String domain = s.substring(s.lastIndexOf('@') + 1);
      if (domains.contains(domain)) return "@" + domain;
      for (String p : parents) {
        if (domain.endsWith("." + p)) return "@." + p;
      }
      return compiled.find(sender);
    }

    boolean isEmpty() {
      return addresses.isEmpty() && domains.isEmpty() && parents.isEmpty() && patterns.isEmpty();
    }
  }

  /** Collects lines; {@link #add} rejects a malformed one with a reason. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Draft> drafts = new HashMap<>();

    private static final class Draft {
      Boolean greylist;
      Long delay;
      final List<String> senderEntries = new ArrayList<>();
      final Senders senders = new Senders();
      final ClientWhitelist.Builder neverAwl = new ClientWhitelist.Builder();
    }

    /** One line: {@code DOMAIN SETTING=VALUE...} (comments already stripped). */
    public Builder add(String line) {
      String[] words = line.strip().split("\\s+");
      if (words.length < 2) {
        throw new IllegalArgumentException(
            "'"
                + line.strip()
                + "': expected a domain and at least one setting, e.g. 'example.org"
                + " delay=5m'");
      }
      String name = domainName(words[0]);
      Draft d = drafts.computeIfAbsent(name, k -> new Draft());
      for (int i = 1; i < words.length; i++) {
        String w = words[i];
        int eq = w.indexOf('=');
        if (eq <= 0 || eq == w.length() - 1) {
          throw new IllegalArgumentException(
              "'" + w + "': expected SETTING=VALUE (greylist, delay, allow-sender, never-awl)");
        }
        String key = w.substring(0, eq).toLowerCase(Locale.ROOT);
        String value = w.substring(eq + 1);
        switch (key) {
          case "greylist" -> {
            if (d.greylist != null) throw twice(name, key);
            d.greylist =
                switch (value.toLowerCase(Locale.ROOT)) {
                  case "on", "yes", "true" -> true;
                  case "off", "no", "false" -> false;
                  default ->
                      throw new IllegalArgumentException(
                          "greylist=" + value + ": expected on or off");
                };
          }
          case "delay" -> {
            if (d.delay != null) throw twice(name, key);
            try {
              d.delay = Durations.seconds(value, 0, 86_400);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("delay=" + e.getMessage());
            }
          }
          case "allow-sender" -> {
            d.senders.add(value);
            d.senderEntries.add(value);
          }
          case "never-awl" -> {
            try {
              d.neverAwl.add(value);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("never-awl=" + value + ": " + e.getMessage());
            }
          }
          default ->
              throw new IllegalArgumentException(
                  "unknown setting '"
                      + key
                      + "' (known: greylist, delay, allow-sender, never-awl)");
        }
      }
      return this;
    }

    private static IllegalArgumentException twice(String domain, String key) {
      return new IllegalArgumentException(key + " is set twice for " + domain);
    }

    private static String domainName(String word) {
      String w = word.toLowerCase(Locale.ROOT);
      if (w.equals("*")) return w;
      String bare = w.startsWith(".") ? w.substring(1) : w;
      if (bare.isEmpty()
          || bare.startsWith(".")
          || bare.endsWith(".")
          || bare.contains("..")
          || bare.contains("@")
          || !bare.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
        throw new IllegalArgumentException(
            "'" + word + "' is not a domain (example.org, .example.org for its subdomains, or *)");
      }
      return w;
    }

    public DomainPolicies build() {
      Map<String, Entry> exact = new HashMap<>();
      Map<String, Entry> subdomains = new HashMap<>();
      Entry any = null;
      for (var e : drafts.entrySet()) {
        Draft d = e.getValue();
        Entry entry =
            new Entry(
                e.getKey(),
                d.greylist,
                d.delay,
                List.copyOf(d.senderEntries),
                d.senders,
                d.neverAwl.build());
        if (e.getKey().equals("*")) {
          any = entry;
        } else if (e.getKey().startsWith(".")) {
          subdomains.put(e.getKey().substring(1), entry);
        } else {
          exact.put(e.getKey(), entry);
        }
      }
      return new DomainPolicies(exact, subdomains, any);
    }
  }
}
