package org.greygate.queue.audit;

import java.nio.file.Path;
import java.util.Set;

/**
 * Where the watch looks for who ran the queue tools.
 *
 * @param authLog the auth log, or null
 * @param auditLog auditd's log, or null
 * @param admins users whose ordinary runs do not alert
 */
public record AuditConfig(Path authLog, Path auditLog, Set<String> admins) {
  /** Neither log followed. */
  public static final AuditConfig OFF = new AuditConfig(null, null, Set.of());

  public AuditConfig {
    admins = Set.copyOf(admins);
  }

  public boolean enabled() {
    return authLog != null || auditLog != null;
  }
}
