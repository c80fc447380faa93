package org.greygate.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.inet.Cidr;
import org.greygate.inet.IpAddress;
import org.greygate.whitelist.ClientWhitelist;
import org.greygate.whitelist.DomainPolicies;
import org.greygate.whitelist.RecipientWhitelist;
import org.greygate.whitelist.WhitelistException;
import org.greygate.whitelist.WhitelistSource;
import org.greygate.whitelist.Whitelists;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a client whitelist, a recipient whitelist or a domain-policy file: either the file
 * loads, or loading fails with {@code FILE:LINE: why} naming one of its lines; nothing else
 * escapes. A loaded file holds no more entries than it has lines, and matching any client, address,
 * recipient, domain or sender against it (the file's own words among them) answers within the
 * per-input time limit with an entry that really covers the value. Replayed from the committed
 * corpus on every test run; fuzz with {@code JAZZER_FUZZ=1 mvn test -Dtest=WhitelistFuzzTest#METHOD
 * -Djazzer.max_duration=10m} (docs/reliability.md).
 */
class WhitelistFuzzTest {
  @TempDir static Path dir;

  /** Requests every file is probed with, beside the file's own words. */
  static final String[] NAMES = {
    "mail.example.org", "unknown", "", "MAIL-1.Google.COM", "a.b", "x", "."
  };

  static final String[] ADDRESSES = {"192.0.2.1", "10.0.0.1", "2001:db8::1", "::1", "0.0.0.0"};

  static final String[] RECIPIENTS = {
    "postmaster@example.org", "user+tag@example.org", "@", "a@b@c", "+@x", "abuse@", "x"
  };

  @FuzzTest(maxDuration = "5m")
  void clientWhitelist(byte[] input) throws IOException {
    Path file = write("whitelist_clients", input);
    Whitelists w = load(new WhitelistSource(List.of(file), List.of(), List.of()), file, input);
    if (w == null) return;
    ClientWhitelist c = w.clients();
    assertTrue(c.size() <= entries(input), "more entries than lines");
    for (String word : words(input)) {
      IpAddress ip = IpAddress.parse(word.indexOf('/') < 0 ? word : word.split("/", 2)[0]);
      client(c, word, ip);
      client(c, "mx1." + word, null);
    }
    for (String name : NAMES) {
      for (String a : ADDRESSES) client(c, name, IpAddress.parse(a));
    }
    client(c, null, null);
  }

  /** What a client match answers: an entry that covers the client, or null. */
  static void client(ClientWhitelist c, String name, IpAddress ip) {
    String m = c.match(name, ip);
    assertEquals(m != null, c.matches(name, ip));
    if (m == null || m.startsWith("/") && m.endsWith("/") && m.length() > 2) return;
    if (ip != null && m.indexOf('/') > 0 && ip.isV4() == Cidr.parse(m).network().isV4()) {
      if (Cidr.parse(m).contains(ip)) return;
    }
    assertNotNull(name, m);
    String n = ascii(name);
    assertTrue(n.equals(m) || n.endsWith("." + m), m + " does not cover " + name + " " + ip);
  }

  @FuzzTest(maxDuration = "5m")
  void recipientWhitelist(byte[] input) throws IOException {
    Path file = write("whitelist_recipients", input);
    Whitelists w = load(new WhitelistSource(List.of(), List.of(file), List.of()), file, input);
    if (w == null) return;
    RecipientWhitelist r = w.recipients();
    assertTrue(r.size() <= entries(input), "more entries than lines");
    for (String word : words(input)) {
      for (String to : List.of(word, "u@" + word, word + "example.org", word + "+x@example.org")) {
        recipient(r, to);
      }
    }
    for (String to : RECIPIENTS) recipient(r, to);
    recipient(r, null);
  }

  static void recipient(RecipientWhitelist r, String to) {
    String m = r.match(to);
    assertEquals(m != null, r.matches(to));
    if (m == null || m.startsWith("/") && m.endsWith("/") && m.length() > 2) return;
    String t = ascii(to);
    if (m.endsWith("@")) {
      assertTrue(t.startsWith(m) || t.startsWith(m.substring(0, m.length() - 1) + "+"), m + to);
    } else if (m.indexOf('@') > 0) {
      String local = m.substring(0, m.indexOf('@'));
      assertTrue(t.startsWith(local) && t.endsWith(m.substring(local.length())), m + " " + to);
    } else {
      assertTrue(t.endsWith("@" + m) || t.endsWith("." + m), m + " does not cover " + to);
    }
  }

  @FuzzTest(maxDuration = "5m")
  void domainPolicies(byte[] input) throws IOException {
    Path file = write("domains.conf", input);
    Whitelists w = load(new WhitelistSource(List.of(), List.of(), List.of(), file), file, input);
    if (w == null) return;
    DomainPolicies d = w.domains();
    assertTrue(d.size() <= entries(input), "more domains than lines");
    List<String> domains = new ArrayList<>(List.of("example.org", "a.example.org", ""));
    List<String> words = words(input);
    for (String word : words) {
      String x = word.toLowerCase(java.util.Locale.ROOT);
      domains.add(x.startsWith(".") ? "sub" + x : x);
    }
    for (String domain : domains) {
      DomainPolicies.Resolved r = d.forDomain(domain);
      if (r == null) continue;
      assertTrue(r.delay() >= -1 && r.delay() <= 86_400, "delay " + r.delay());
      assertTrue(r.delayEntry() == null || r.delay() >= d.minDelay(), "below minDelay");
      assertTrue(r.delayEntry() != null || r.delay() == -1);
      for (String word : words) {
        for (String v : List.of(word, "u@" + word, word.replace("allow-sender=", ""))) {
          r.senderMatch(v);
          r.neverAwlMatch(v, IpAddress.parse(v.replace("never-awl=", "")));
        }
      }
      for (String to : RECIPIENTS) r.senderMatch(to);
      r.senderMatch(null);
      r.neverAwlMatch(null, null);
    }
  }

  /** A-Z folded, as the lists fold names. */
  static String ascii(String s) {
    StringBuilder b = new StringBuilder(s);
    for (int i = 0; i < b.length(); i++) {
      char c = b.charAt(i);
      if (c >= 'A' && c <= 'Z') b.setCharAt(i, (char) (c + 32));
    }
    return b.toString();
  }

  static Path write(String name, byte[] input) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, input);
    return file;
  }

  /** The loaded lists, or null when loading named a line of the file. */
  static Whitelists load(WhitelistSource source, Path file, byte[] input) {
    try {
      return source.load();
    } catch (WhitelistException e) {
      String m = e.getMessage();
      assertTrue(m.startsWith(file + ":"), m);
      String rest = m.substring(file.toString().length() + 1);
      int colon = rest.indexOf(": ");
      assertTrue(colon > 0, m);
      int line = Integer.parseInt(rest.substring(0, colon));
      assertTrue(line >= 1 && line <= lines(input), m);
      return null;
    }
  }

  /**
   * The lines as the files are read: \n, \r\n and a lone \r each end one. Written out, not split
   * with a regex: the fuzzer's regex hooks made a split of a large input cost most of a run.
   */
  static List<String> lineList(byte[] input) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < input.length; i++) {
      if (input[i] == '\n' || input[i] == '\r') {
        out.add(new String(input, start, i - start, StandardCharsets.ISO_8859_1));
        if (input[i] == '\r' && i + 1 < input.length && input[i + 1] == '\n') i++;
        start = i + 1;
      }
    }
    out.add(new String(input, start, input.length - start, StandardCharsets.ISO_8859_1));
    return out;
  }

  static int lines(byte[] input) {
    return lineList(input).size();
  }

  /** Lines holding something other than blanks and comments: an upper bound on entries. */
  static int entries(byte[] input) {
    int n = 0;
    for (String l : lineList(input)) {
      int hash = l.indexOf('#');
      String e = (hash < 0 ? l : l.substring(0, hash)).strip();
      if (!e.isEmpty()) n++;
    }
    return n;
  }

  /** The file's words (at most 64): values that may match what the file says. */
  static List<String> words(byte[] input) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= input.length && out.size() < 64; i++) {
      boolean sep = i == input.length || input[i] == '#' || Character.isWhitespace(input[i] & 0xff);
      if (sep && start >= 0) {
        out.add(new String(input, start, i - start, StandardCharsets.ISO_8859_1));
        start = -1;
      } else if (!sep && start < 0) {
        start = i;
      }
    }
    return out;
  }
}
