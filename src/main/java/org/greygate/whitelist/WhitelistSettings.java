package org.greygate.whitelist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.greygate.config.Setting;
import org.greygate.config.Settings;
import org.greygate.config.Values;

/** The whitelist and domain-policy files, declared once. */
public final class WhitelistSettings {
  private WhitelistSettings() {}

  static final String GROUP = "Greylisting (Postgrey's names and defaults)";

  /** Read when no other is given; missing, it is no error. */
  static final Path DEFAULT_CLIENTS = Path.of("/etc/greygate/whitelist_clients");

  static final Path DEFAULT_RECIPIENTS = Path.of("/etc/greygate/whitelist_recipients");

  public static final Setting<List<Path>> WHITELIST_CLIENTS =
      Setting.list(
              "whitelist-clients",
              "FILE",
              Values.PATH,
              "Client whitelist file; repeatable; FILE.local is read too.")
          .withDefault(List.of(DEFAULT_CLIENTS), DEFAULT_CLIENTS.toString())
          .inGroup(GROUP);

  public static final Setting<List<Path>> WHITELIST_RECIPIENTS =
      Setting.list(
              "whitelist-recipients",
              "FILE",
              Values.PATH,
              "Recipient whitelist file; repeatable; FILE.local is read too.")
          .withDefault(List.of(DEFAULT_RECIPIENTS), DEFAULT_RECIPIENTS.toString())
          .inGroup(GROUP);

  public static final Setting<Path> DOMAIN_POLICY =
      Setting.value(
              "domain-policy",
              "FILE",
              null,
              Values.PATH,
              "Per recipient domain: greylist=on|off, delay=, allow-sender=, never-awl= (see"
                  + " docs/greylisting.md); FILE.local is read too; reloaded like the whitelists.")
          .inGroup("Smarter greylisting");

  public static final List<Setting<?>> ALL =
      List.of(WHITELIST_CLIENTS, WHITELIST_RECIPIENTS, DOMAIN_POLICY);

  /** The files of {@code s}; a default one that is missing is no error. */
  public static WhitelistSource source(Settings s) {
    List<Path> optional = new ArrayList<>();
    if (!s.given(WHITELIST_CLIENTS)) optional.addAll(WHITELIST_CLIENTS.defaultValue());
    if (!s.given(WHITELIST_RECIPIENTS)) optional.addAll(WHITELIST_RECIPIENTS.defaultValue());
    return new WhitelistSource(
        s.get(WHITELIST_CLIENTS), s.get(WHITELIST_RECIPIENTS), optional, s.get(DOMAIN_POLICY));
  }
}
