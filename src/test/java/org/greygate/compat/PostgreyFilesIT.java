package org.greygate.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.greygate.testing.Requirements;
import org.greygate.whitelist.WhitelistSource;
import org.greygate.whitelist.Whitelists;
import org.junit.jupiter.api.Test;

/** Migration: the whitelist files Debian's postgrey package ships load unchanged. */
class PostgreyFilesIT {
  @Test
  void postgreysShippedWhitelistsLoad() throws Exception {
    Requirements.program("postgrey", "/usr/sbin/postgrey");
    Path clients = Path.of("/etc/postgrey/whitelist_clients");
    Path recipients = Path.of("/etc/postgrey/whitelist_recipients");
    assertTrue(Files.exists(clients), clients + " (from the postgrey package)");
    Whitelists w = new WhitelistSource(List.of(clients), List.of(recipients), List.of()).load();
    assertTrue(w.clients().size() > 100, "entries: " + w.clients().size());
    assertTrue(w.matchesRecipient("postmaster@example.org"));
  }
}
