package org.greygate.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checks over postconf's text, with the listeners and files answered by the test. */
class DoctorTest {
  static final String GOOD_MAIN =
      "queue_directory = /var/spool/postfix\n"
          + "mail_version = 3.7.11\n"
          + "smtpd_policy_service_max_idle = 300s\n"
          + "smtpd_policy_service_default_action = DUNNO\n"
          + "smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,"
          + " defer_unauth_destination\n"
          + "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,"
          + " reject_unauth_destination, check_policy_service inet:127.0.0.1:10023\n"
          + "smtpd_end_of_data_restrictions =\n";
  static final String MASTER =
      "smtp       inet  n       -       y       -       -       smtpd\n"
          + "submission inet  n       -       y       -       -       smtpd -o x=y\n"
          + "pickup     unix  n       -       y       60      1       pickup\n";
  static final String SUBMISSION_EOD =
      "submission/inet/smtpd_end_of_data_restrictions = check_policy_service"
          + " { unix:private/greygate, policy_context=submission }\n";

  static final GreygateFacts GREYGATE =
      new GreygateFacts(
          List.of(
              new Endpoint.Tcp("127.0.0.1", 10023),
              new Endpoint.Local(Path.of("/var/spool/postfix/private/greygate"))),
          Duration.ofSeconds(600),
          true,
          List.of(Path.of("/etc/greygate/whitelist_clients")),
          "greygate");

  /** Everything answers and can be read, unless the test says otherwise. */
  static final class Around implements Surroundings {
    final Map<String, String> down = new HashMap<>();
    final Map<Path, String> unreadable = new HashMap<>();

    @Override
    public String unreachable(Endpoint endpoint) {
      return down.get(endpoint.postfixName());
    }

    @Override
    public String unreadable(Path file, String user) {
      return unreadable.get(file);
    }
  }

  static PostfixConfig postfix(String main, String explicit, String per) {
    return PostfixConfig.parse(main, explicit, MASTER, per);
  }

  static final String EXPLICIT = "smtpd_policy_service_default_action = DUNNO\n";

  @Test
  void aSoundSetupHasNothingToFix() {
    assertEquals(
        List.of(),
        Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, SUBMISSION_EOD), GREYGATE, new Around()));
  }

  @Test
  void thePolicyCheckBeforeThePermitsAndTheRelayCheckIsMovedAfterThem() {
    String main =
        GOOD_MAIN.replace(
            "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,"
                + " reject_unauth_destination, check_policy_service inet:127.0.0.1:10023",
            "smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:10023,"
                + " permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination");
    List<Finding> f =
        Doctor.examine(postfix(main, EXPLICIT, SUBMISSION_EOD), GREYGATE, new Around());
    assertEquals(1, f.size(), f.toString());
    assertEquals("main.cf smtpd_recipient_restrictions", f.get(0).where());
    assertTrue(
        f.get(0).problem().contains("your own users' mail (SMTP AUTH) is greylisted"),
        f.toString());
    assertTrue(f.get(0).problem().contains("open-relay risk"), f.toString());
    assertEquals(
        "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,"
            + " reject_unauth_destination, check_policy_service inet:127.0.0.1:10023",
        f.get(0).fix());
  }

  @Test
  void aServicesOwnListGetsItsMasterCfLine() {
    String per =
        SUBMISSION_EOD
            + "submission/inet/smtpd_recipient_restrictions ="
            + " check_policy_service unix:private/greygate,permit_sasl_authenticated,reject\n";
    List<Finding> f = Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, per), GREYGATE, new Around());
    assertEquals(1, f.size(), f.toString());
    assertEquals("master.cf submission (inet) smtpd_recipient_restrictions", f.get(0).where());
    assertEquals(
        "-o { smtpd_recipient_restrictions = permit_sasl_authenticated, check_policy_service"
            + " unix:private/greygate, reject }",
        f.get(0).fix());
  }

  @Test
  void rateLimitsNotAskedAtTheEndOfTheMessageAreFound() {
    List<Finding> f = Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, ""), GREYGATE, new Around());
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).problem().startsWith("rate limits are configured"), f.toString());
    assertTrue(
        f.get(0)
            .fix()
            .endsWith(
                "-o smtpd_end_of_data_restrictions=check_policy_service,inet:127.0.0.1:10023"),
        f.get(0).fix());
    GreygateFacts noLimits =
        new GreygateFacts(GREYGATE.listeners(), GREYGATE.idleTimeout(), false, List.of(), null);
    assertEquals(
        List.of(), Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, ""), noLimits, new Around()));
  }

  @Test
  void aPolicyContextThatNamesNoDeclaredSetIsFound() {
    GreygateFacts sets =
        new GreygateFacts(
            GREYGATE.listeners(),
            GREYGATE.idleTimeout(),
            true,
            List.of(),
            null,
            java.util.Set.of("inbound", "outbound"));
    List<Finding> f =
        Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, SUBMISSION_EOD), sets, new Around());
    assertEquals(1, f.size(), f.toString());
    assertEquals("master.cf submission (inet) smtpd_end_of_data_restrictions", f.get(0).where());
    assertEquals(
        "asks greygate with policy_context=submission, which names no policy set (declared:"
            + " inbound, outbound): greygate answers these requests with its default set",
        f.get(0).problem());
    assertTrue(f.get(0).fix().contains("policy-set = submission: POLICY, ..."), f.get(0).fix());
    // declared, or spelt with spaces around '=', or no sets at all: nothing to say
    GreygateFacts declared =
        new GreygateFacts(
            GREYGATE.listeners(),
            GREYGATE.idleTimeout(),
            true,
            List.of(),
            null,
            java.util.Set.of("inbound", "submission"));
    String spaced =
        SUBMISSION_EOD.replace("policy_context=submission", "policy_context = submission");
    assertEquals(
        List.of(), Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, spaced), declared, new Around()));
    assertEquals(
        List.of(),
        Doctor.examine(postfix(GOOD_MAIN, EXPLICIT, SUBMISSION_EOD), GREYGATE, new Around()));
  }

  @Test
  void anAbsoluteSocketPathAChrootedSmtpdCannotReach() {
    GreygateFacts run =
        new GreygateFacts(
            List.of(new Endpoint.Local(Path.of("/run/greygate/policy.sock"))),
            Duration.ofSeconds(600),
            false,
            List.of(),
            null);
    String main = GOOD_MAIN.replace("inet:127.0.0.1:10023", "unix:/run/greygate/policy.sock");
    List<Finding> f = Doctor.examine(postfix(main, EXPLICIT, ""), run, new Around());
    assertEquals(2, f.size(), f.toString()); // smtp and submission both run chrooted
    assertEquals("master.cf smtp (inet)", f.get(0).where());
    assertTrue(
        f.get(0).problem().contains("cannot reach unix:/run/greygate/policy.sock"), f.toString());
    assertEquals(
        "serve --unix=/var/spool/postfix/private/greygate, and in Postfix: check_policy_service"
            + " unix:private/greygate",
        f.get(0).fix());
  }

  @Test
  void idleConnectionsTheDefaultActionTheListenerAndTheFiles() {
    String main =
        GOOD_MAIN.replace(
            "smtpd_policy_service_max_idle = 300s", "smtpd_policy_service_max_idle = 15m");
    Around around = new Around();
    around.down.put("inet:127.0.0.1:10023", "Connection refused");
    around.unreadable.put(
        Path.of("/etc/greygate/whitelist_clients"), "its owner, group and mode keep greygate out");
    List<Finding> f = Doctor.examine(postfix(main, "", SUBMISSION_EOD), GREYGATE, around);
    assertEquals(
        List.of(
            "main.cf smtpd_policy_service_max_idle",
            "main.cf smtpd_policy_service_default_action",
            "inet:127.0.0.1:10023",
            "/etc/greygate/whitelist_clients"),
        f.stream().map(Finding::where).toList(),
        f.toString());
    assertEquals(
        "idle-timeout = 960   (in /etc/greygate/greygate.conf; or --idle-timeout=960)",
        f.get(0).fix());
    assertEquals("smtpd_policy_service_default_action = DUNNO", f.get(1).fix());
    assertTrue(f.get(2).problem().endsWith("Connection refused"), f.toString());
    assertEquals(
        "chgrp greygate /etc/greygate/whitelist_clients && chmod g+r /etc/greygate/whitelist_clients",
        f.get(3).fix());
  }

  @Test
  void postfixThatNeverAsksGreygateIsTold() {
    String main = GOOD_MAIN.replace(", check_policy_service inet:127.0.0.1:10023", "");
    GreygateFacts inbound =
        new GreygateFacts(GREYGATE.listeners(), GREYGATE.idleTimeout(), false, List.of(), null);
    List<Finding> f = Doctor.examine(postfix(main, EXPLICIT, ""), inbound, new Around());
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).problem().startsWith("Postfix never asks greygate"), f.toString());
    assertEquals(
        "smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,"
            + " reject_unauth_destination, check_policy_service inet:127.0.0.1:10023",
        f.get(0).fix());
  }

  @Test
  void postfixTimesAreReadInTheirUnits() {
    assertEquals(300, Doctor.seconds("300s"));
    assertEquals(300, Doctor.seconds("300"));
    assertEquals(900, Doctor.seconds("15m"));
    assertEquals(7200, Doctor.seconds("2h"));
    assertEquals(0, Doctor.seconds("soon"));
  }
}
