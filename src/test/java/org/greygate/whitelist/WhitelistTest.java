package org.greygate.whitelist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WhitelistTest {
  @TempDir Path dir;

  static ClientWhitelist clients(String... entries) {
    ClientWhitelist.Builder b = new ClientWhitelist.Builder();
    for (String e : entries) b.add(e);
    return b.build();
  }

  static RecipientWhitelist recipients(String... entries) {
    RecipientWhitelist.Builder b = new RecipientWhitelist.Builder();
    for (String e : entries) b.add(e);
    return b.build();
  }

  static boolean client(ClientWhitelist w, String name, String ip) {
    return w.matches(name, IpAddress.parse(ip));
  }

  @Test
  void hostnamesMatchThemselvesAndSubdomains() {
    ClientWhitelist w = clients("example.org", "Mail.Example.NET");
    assertTrue(client(w, "example.org", "192.0.2.1"));
    assertTrue(client(w, "mx1.EXAMPLE.org", "192.0.2.1"));
    assertTrue(client(w, "mail.example.net", "192.0.2.1"));
    assertFalse(client(w, "badexample.org", "192.0.2.1"));
    assertFalse(client(w, "example.org.evil.com", "192.0.2.1"));
    assertFalse(client(w, "unknown", "192.0.2.1"));
    assertFalse(client(w, "", "192.0.2.1"));
  }

  @Test
  void addressesNetworksAndPartialIpv4() {
    ClientWhitelist w =
        clients(
            "192.0.2.5", "198.51.100.0/24", "203.0", "10.1.2", "2001:db8:1::/48", "2001:db8:9::7");
    assertTrue(client(w, "unknown", "192.0.2.5"));
    assertFalse(client(w, "unknown", "192.0.2.6"));
    assertTrue(client(w, "unknown", "198.51.100.254"));
    assertTrue(client(w, "unknown", "203.0.200.1")); // a.b is /16 (Postgrey reads it wrongly)
    assertFalse(client(w, "unknown", "203.1.0.1"));
    assertTrue(client(w, "unknown", "10.1.2.99")); // a.b.c is /24
    assertFalse(client(w, "unknown", "10.1.3.1"));
    assertTrue(client(w, "unknown", "2001:db8:1:ffff::1"));
    assertFalse(client(w, "unknown", "2001:db8:2::1"));
    assertTrue(client(w, "unknown", "2001:db8:9::7"));
  }

  @Test
  void theMatchingEntryIsNamed() {
    ClientWhitelist c = clients("example.org", "10.1.2", "2001:db8:1::/48", "/^mx[0-9]+\\./");
    assertEquals("example.org", c.match("mx1.Example.org", IpAddress.parse("192.0.2.1")));
    assertEquals("10.1.2.0/24", c.match("unknown", IpAddress.parse("10.1.2.3")));
    assertEquals("2001:db8:1::/48", c.match("unknown", IpAddress.parse("2001:db8:1::9")));
    assertEquals("/^mx[0-9]+\\./", c.match("mx7.other.net", IpAddress.parse("192.0.2.1")));
    assertEquals(null, c.match("other.net", IpAddress.parse("192.0.2.1")));
    RecipientWhitelist r = recipients("postmaster@", "a@example.net", "example.com", "/^list-/");
    assertEquals("postmaster@", r.match("Postmaster+x@anywhere.org"));
    assertEquals("a@example.net", r.match("a+tag@example.net"));
    assertEquals("example.com", r.match("b@sub.example.com"));
    assertEquals("/^list-/", r.match("list-users@example.org"));
    assertEquals(null, r.match("b@example.net"));
  }

  @Test
  void regexesAreCaseInsensitiveSearches() {
    ClientWhitelist w = clients("/^mail-[a-z]+\\.google\\.com$/", "/outbound/");
    assertTrue(client(w, "MAIL-abc.google.com", "192.0.2.1"));
    assertTrue(client(w, "x.outbound.protection.example", "192.0.2.1"));
    assertFalse(client(w, "mail-1.google.com", "192.0.2.1"));
  }

  @Test
  void hostileRegexRunsInLinearTime() {
    ClientWhitelist w = clients("/^(a+)+$/");
    String evil = "a".repeat(50_000) + "!";
    long t = System.nanoTime();
    assertFalse(client(w, evil, "192.0.2.1"));
    assertTrue(System.nanoTime() - t < 5_000_000_000L);
  }

  /** Small on disk, huge once compiled: RE2/J expands counted repetition into its program. */
  static final String EXPANDING = "/((a{1000}){1000}){1000}/";

  /** Nesting the parser follows by recursion: enough of it overflows the thread's stack. */
  static final String DEEP = "/" + "(".repeat(400) + "a" + ")".repeat(400) + "/";

  @Test
  void aRegexThatExpandsPastItsLimitIsRefusedByItsLine() throws Exception {
    for (String re : List.of(EXPANDING, "/(a|b){1000}c/", "/" + "x".repeat(1001) + "/")) {
      Path c = dir.resolve("clients");
      Files.writeString(c, "example.org\n" + re + "\n");
      WhitelistException e =
          assertTimeoutPreemptively(
              Duration.ofSeconds(5),
              () ->
                  assertThrows(
                      WhitelistException.class,
                      () -> new WhitelistSource(List.of(c), List.of(), List.of()).load()));
      assertTrue(e.getMessage().startsWith(c + ":2: bad regex "), e.getMessage());
      assertTrue(e.getMessage().contains("at most 1000"), e.getMessage());
    }
    // what real lists hold stays well inside
    clients("/^[a-z0-9-]{1,63}\\.mail\\.example\\.com$/", "/^(\\d{1,3}\\.){3}\\d{1,3}$/");
    clients("/" + "x".repeat(1000) + "/");
  }

  @Test
  void aDeeplyNestedRegexIsRefusedByItsLineNotByAStackOverflow() throws Exception {
    Path r = dir.resolve("recipients");
    Files.writeString(r, "postmaster@\n" + DEEP + "\n");
    WhitelistException e =
        assertThrows(
            WhitelistException.class,
            () -> new WhitelistSource(List.of(), List.of(r), List.of()).load());
    assertTrue(e.getMessage().startsWith(r + ":2: bad regex "), e.getMessage());
    assertTrue(e.getMessage().contains("groups nested deeper than 32"), e.getMessage());
    recipients("/" + "(".repeat(32) + "a" + ")".repeat(32) + "/");
  }

  @Test
  void domainPolicyRegexesHaveTheSameLimits() throws Exception {
    Path d = dir.resolve("domains.conf");
    for (String setting : List.of("allow-sender=", "never-awl=")) {
      for (String re : List.of(EXPANDING, DEEP)) {
        Files.writeString(d, "example.org delay=1m\nexample.org " + setting + re + "\n");
        WhitelistException e =
            assertTimeoutPreemptively(
                Duration.ofSeconds(5),
                () ->
                    assertThrows(
                        WhitelistException.class,
                        () -> new WhitelistSource(List.of(), List.of(), List.of(), d).load()));
        assertTrue(e.getMessage().startsWith(d + ":2: "), e.getMessage());
        assertTrue(e.getMessage().contains("bad regex"), e.getMessage());
      }
    }
  }

  @Test
  void aNetworkMistypedIsRefusedNotTakenForAHostName() throws Exception {
    // a client's name never holds '/': taken as a host name, these whitelisted nothing, silently
    for (String entry : List.of("10.0/16", "0/0", "192.0.2.0/24\u00c0", "192.0.2.0/", "a.b/c")) {
      Path c = dir.resolve("clients");
      Files.writeString(c, "example.org\n" + entry + "\n", StandardCharsets.ISO_8859_1);
      WhitelistException e =
          assertThrows(
              WhitelistException.class,
              () -> new WhitelistSource(List.of(c), List.of(), List.of()).load());
      assertTrue(e.getMessage().startsWith(c + ":2: "), e.getMessage());
      assertTrue(e.getMessage().contains("neither a network"), e.getMessage());
    }
    assertTrue(client(clients("10.0.0.0/16", "10.1"), "x", "10.1.2.3"));
  }

  @Test
  void badEntriesAreRejectedWithAReason() {
    assertThrows(IllegalArgumentException.class, () -> clients("300.1.1.1"));
    assertThrows(IllegalArgumentException.class, () -> clients("1.2.3.4/40"));
    assertThrows(IllegalArgumentException.class, () -> clients("2001:db8::g"));
    assertThrows(IllegalArgumentException.class, () -> clients("/(a)\\1/"));
    assertThrows(IllegalArgumentException.class, () -> recipients("two words"));
  }

  @Test
  void recipientGrammar() {
    RecipientWhitelist w =
        recipients(
            "postmaster@", "abuse@example.org", "example.net", "/^noreply-.*@/", "a+b@x.test");
    assertTrue(w.matches("postmaster@anything.example"));
    assertTrue(w.matches("Postmaster+tag@anything.example"));
    assertFalse(w.matches("postmasters@anything.example"));
    assertTrue(w.matches("abuse@example.org"));
    assertTrue(w.matches("abuse+x@example.org"));
    assertFalse(w.matches("abuse@sub.example.org"));
    assertFalse(w.matches("abuse+@example.org"));
    assertTrue(w.matches("anyone@example.net"));
    assertTrue(w.matches("anyone@mail.example.net"));
    assertFalse(w.matches("anyone@badexample.net"));
    assertTrue(w.matches("noreply-42@foo.test"));
    assertTrue(w.matches("a+b@x.test"));
    assertTrue(w.matches("a+b+c@x.test"));
    assertFalse(w.matches("a@x.test"));
    assertFalse(w.matches("bob@example.org"));
  }

  @Test
  void filesWithCommentsCompanionsAndErrorsNamingFileAndLine() throws Exception {
    Path c = dir.resolve("clients");
    Files.writeString(c, "# comment\n\n  example.org   # trailing\n192.0.2.0/24\n");
    Files.writeString(dir.resolve("clients.local"), "local.example\n");
    Path r = dir.resolve("recipients");
    Files.writeString(r, "postmaster@\n");
    Whitelists w = new WhitelistSource(List.of(c), List.of(r), List.of()).load();
    assertTrue(w.matchesClient("mx.example.org", IpAddress.parse("203.0.113.1")));
    assertTrue(w.matchesClient("x.local.example", IpAddress.parse("203.0.113.1")));
    assertTrue(w.matchesClient("unknown", IpAddress.parse("192.0.2.9")));
    assertTrue(w.matchesRecipient("postmaster@x.test"));

    Files.writeString(c, "example.org\n\n999.1.1.1\n");
    WhitelistException e =
        assertThrows(
            WhitelistException.class,
            () -> new WhitelistSource(List.of(c), List.of(r), List.of()).load());
    assertEquals(c + ":3: not an IP address: 999.1.1.1", e.getMessage());

    Path missing = dir.resolve("nope");
    e =
        assertThrows(
            WhitelistException.class,
            () -> new WhitelistSource(List.of(missing), List.of(), List.of()).load());
    assertTrue(e.getMessage().startsWith(missing + ": "), e.getMessage());
    // an optional (default) file may be missing
    assertEquals(
        0,
        new WhitelistSource(List.of(missing), List.of(), List.of(missing)).load().clients().size());
  }
}
