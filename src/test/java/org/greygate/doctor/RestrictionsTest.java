package org.greygate.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RestrictionsTest {
  @Test
  void itemsAreSplitAtCommasAndSpacesAndGroupsStayWhole() {
    Restrictions r =
        Restrictions.parse(
            "permit_mynetworks,permit_sasl_authenticated  reject_unauth_destination,\n"
                + "  check_policy_service { inet:127.0.0.1:10023, policy_context=inbound },"
                + " check_client_access hash:/etc/postfix/access, reject_rbl_client zen.example");
    assertEquals(
        List.of(
            "permit_mynetworks",
            "permit_sasl_authenticated",
            "reject_unauth_destination",
            "check_policy_service { inet:127.0.0.1:10023, policy_context=inbound }",
            "check_client_access hash:/etc/postfix/access",
            "reject_rbl_client zen.example"),
        r.items().stream().map(Restrictions.Item::toString).toList());
    assertEquals("inet:127.0.0.1:10023", r.items().get(3).service());
    assertEquals(3, r.indexOf("check_policy_service"));
  }

  @Test
  void anItemMovesAfterAnotherEitherWay() {
    Restrictions r = Restrictions.parse("a, b, c, d");
    assertEquals("b, c, a, d", r.moveAfter(0, 2).toString());
    assertEquals("a, d, b, c", r.moveAfter(3, 0).toString());
  }

  /** Hostile values (main.cf is root's, but postconf prints what is there): never an exception. */
  @Test
  void unbalancedBracesAndEmptyValuesEndTheList() {
    assertEquals(List.of(), Restrictions.parse("").items());
    assertEquals(List.of(), Restrictions.parse(null).items());
    Restrictions cut = Restrictions.parse("permit_mynetworks, check_policy_service { inet:x:1, {");
    assertEquals(
        List.of("permit_mynetworks", "check_policy_service"),
        cut.items().stream().map(Restrictions.Item::toString).toList(),
        "the group never closes: the check has no service, and is not greygate's");
    assertEquals(null, cut.items().get(1).service());
    Restrictions deep =
        Restrictions.parse("check_policy_service " + "{".repeat(500_000) + "}".repeat(500_000));
    assertEquals(1, deep.items().size());
    assertEquals(
        "check_policy_service", Restrictions.parse("check_policy_service").items().get(0).name());
  }
}
