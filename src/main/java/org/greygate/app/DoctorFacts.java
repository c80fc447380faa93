package org.greygate.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.greygate.config.Settings;
import org.greygate.doctor.Endpoint;
import org.greygate.doctor.GreygateFacts;
import org.greygate.feature.Feature;
import org.greygate.server.ListenAddress;
import org.greygate.whitelist.WhitelistSource;

/** What {@code greygate doctor} checks of greygate's own configuration, from the daemon's. */
public final class DoctorFacts {
  private DoctorFacts() {}

  /**
   * @throws org.greygate.config.InvalidSetting naming the setting at fault
   */
  public static GreygateFacts of(Settings settings, String version) {
    DaemonConfig c = DaemonConfig.of(settings, version);
    List<Endpoint> listeners = new ArrayList<>();
    for (ListenAddress a : c.server().listen()) {
      if (a instanceof ListenAddress.Inet i) listeners.add(new Endpoint.Tcp(i.host(), i.port()));
      if (a instanceof ListenAddress.Unix u) {
        listeners.add(new Endpoint.Local(u.path().toAbsolutePath().normalize()));
      }
    }
    Set<Path> files = new LinkedHashSet<>();
    WhitelistSource w = c.whitelists();
    files.addAll(w.clientFiles());
    files.addAll(w.recipientFiles());
    if (w.domainPolicyFile() != null) files.add(w.domainPolicyFile());
    boolean endOfMessage = false;
    for (Feature f : Features.ALL) {
      files.addAll(f.files(settings));
      endOfMessage |= f.decidesAtEndOfMessage(settings);
    }
    // the shipped lists greygate reads only when they exist
    for (Path p : w.optional()) if (!Files.exists(p)) files.remove(p);
    Set<String> sets = new LinkedHashSet<>();
    for (PolicySetSettings.Declared d : settings.get(PolicySetSettings.POLICY_SET)) {
      sets.add(d.name());
    }
    return new GreygateFacts(
        listeners,
        c.server().idleTimeout(),
        endOfMessage,
        List.copyOf(files),
        c.process().user(),
        sets);
  }
}
