package org.greygate.whitelist;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.greygate.inet.IpAddress;
import org.junit.jupiter.api.Test;

/** The lists we ship load cleanly, every entry carries a comment, and they do what they say. */
class ShippedWhitelistsTest {
  static final Path CLIENTS = Path.of("whitelists/whitelist_clients");
  static final Path RECIPIENTS = Path.of("whitelists/whitelist_recipients");

  @Test
  void loadAndMatch() throws Exception {
    Whitelists w = new WhitelistSource(List.of(CLIENTS), List.of(RECIPIENTS), List.of()).load();
    IpAddress ip = IpAddress.parse("203.0.113.5");
    assertTrue(w.matchesClient("mail-yw1-f170.google.com", ip));
    assertTrue(w.matchesClient("mail-db8eur05on2101.outbound.protection.outlook.com", ip));
    assertTrue(w.matchesClient("a8-30.smtp-out.amazonses.com", ip));
    assertFalse(w.matchesClient("google.com.attacker.example", ip));
    assertFalse(w.matchesClient("unknown", ip));
    assertTrue(w.matchesRecipient("postmaster@example.org"));
    assertTrue(w.matchesRecipient("abuse@example.org"));
    assertFalse(w.matchesRecipient("user@example.org"));
  }

  @Test
  void everyEntryIsCommented() throws Exception {
    for (Path p : List.of(CLIENTS, RECIPIENTS)) {
      int n = 0;
      for (String line : Files.readAllLines(p)) {
        n++;
        String entry = WhitelistSource.stripComment(line).strip();
        if (!entry.isEmpty()) {
          assertTrue(line.indexOf('#') > 0, p + ":" + n + " has no comment saying why it is there");
        }
      }
    }
  }
}
