package org.greygate.doctor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Postfix's configuration as {@code postconf} prints it: the parameters the doctor reads, with
 * their values in effect ({@code postconf -x}), which of them main.cf sets ({@code postconf -n}),
 * and the services of master.cf ({@code postconf -M}) with their {@code -o} overrides ({@code
 * postconf -P}).
 */
public record PostfixConfig(
    Map<String, String> parameters, Set<String> explicit, List<Service> services) {
  /** The parameters read, beside the restriction lists. */
  public static final List<String> PARAMETERS =
      List.of(
          "queue_directory",
          "mail_version",
          "smtpd_policy_service_max_idle",
          "smtpd_policy_service_default_action",
          "smtpd_client_restrictions",
          "smtpd_helo_restrictions",
          "smtpd_sender_restrictions",
          "smtpd_relay_restrictions",
          "smtpd_recipient_restrictions",
          "smtpd_data_restrictions",
          "smtpd_end_of_data_restrictions");

  /** The restriction lists of smtpd, in the order Postfix applies them. */
  public static final List<String> LISTS = PARAMETERS.subList(4, PARAMETERS.size());

  public PostfixConfig {
    parameters = Map.copyOf(parameters);
    explicit = Set.copyOf(explicit);
    services = List.copyOf(services);
  }

  /**
   * A master.cf service.
   *
   * @param chroot its chroot column says {@code y}
   * @param overrides its {@code -o} parameters
   */
  public record Service(
      String name, String type, boolean chroot, String command, Map<String, String> overrides) {
    public Service {
      overrides = Map.copyOf(overrides);
    }

    /** How it is named in master.cf. */
    public String label() {
      return name + " (" + type + ")";
    }
  }

  /** The value in effect for {@code service}: its {@code -o} override, else main.cf's. */
  public String value(Service service, String parameter) {
    String o = service == null ? null : service.overrides().get(parameter);
    return o != null ? o : parameters.getOrDefault(parameter, "");
  }

  public Path queueDirectory() {
    String q = parameters.get("queue_directory");
    return Path.of(q == null || q.isBlank() ? "/var/spool/postfix" : q);
  }

  /** The services that run smtpd (a postscreen site's {@code smtpd pass} among them). */
  public List<Service> smtpd() {
    List<Service> out = new ArrayList<>();
    for (Service s : services) if (s.command().equals("smtpd")) out.add(s);
    return out;
  }

  /**
   * From the text of {@code postconf -x PARAMETERS...}, {@code postconf -n}, {@code postconf -M}
   * and {@code postconf -P}.
   */
  public static PostfixConfig parse(String values, String nonDefault, String master, String per) {
    Map<String, String> parameters = new HashMap<>();
    for (String line : values.split("\n")) {
      int eq = line.indexOf(" = ");
      if (eq > 0) parameters.put(line.substring(0, eq).strip(), line.substring(eq + 3).strip());
      else if (line.endsWith(" =")) parameters.put(line.substring(0, line.length() - 2), "");
    }
    Set<String> explicit = new HashSet<>();
    for (String line : nonDefault.split("\n")) {
      int eq = line.indexOf(" =");
      if (eq > 0) explicit.add(line.substring(0, eq).strip());
    }
    Map<String, Map<String, String>> overrides = new HashMap<>();
    for (String line : per.split("\n")) {
      int eq = line.indexOf(" = ");
      String key = eq > 0 ? line.substring(0, eq).strip() : null;
      if (key == null) continue;
      String[] p = key.split("/", 3);
      if (p.length != 3) continue;
      overrides
          .computeIfAbsent(p[0] + "/" + p[1], k -> new HashMap<>())
          .put(p[2], line.substring(eq + 3).strip());
    }
    List<Service> services = new ArrayList<>();
    for (String line : master.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 8 || line.startsWith("#")) continue;
      services.add(
          new Service(
              f[0],
              f[1],
              f[4].equals("y"),
              f[7],
              overrides.getOrDefault(f[0] + "/" + f[1], Map.of())));
    }
    return new PostfixConfig(parameters, explicit, services);
  }
}
