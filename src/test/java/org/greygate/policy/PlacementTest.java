package org.greygate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.greygate.protocol.PolicyRequest;
import org.junit.jupiter.api.Test;

class PlacementTest {
  static PolicyRequest at(String state) {
    return PolicyRequest.of(Map.of("request", "smtpd_access_policy", "protocol_state", state));
  }

  @Test
  void greylistingAskedOnlyAtTheEndOfTheMessageIsToldOnceAfterItsPatience() {
    List<String> told = new ArrayList<>();
    Placement p = new Placement(told::add);
    for (int i = 0; i < 3 * Placement.PATIENCE; i++) {
      p.saw(at("END-OF-MESSAGE"));
      p.greylistingNotAtRcpt("END-OF-MESSAGE");
      assertEquals(i + 1 < Placement.PATIENCE ? 0 : 1, told.size(), "after " + (i + 1));
    }
    assertTrue(told.get(0).startsWith("greylisting is asked only at END-OF-MESSAGE"), told.get(0));
  }

  @Test
  void aSiteAskingAtBothStagesHearsNothing() {
    List<String> told = new ArrayList<>();
    Placement p = new Placement(told::add);
    for (int i = 0; i < 3 * Placement.PATIENCE; i++) {
      p.saw(at("RCPT"));
      p.perMessageLimitAtRcpt(); // the message's limits wait for its END-OF-MESSAGE
      if (i == 0) p.saw(at("END-OF-MESSAGE"));
      p.greylistingNotAtRcpt("END-OF-MESSAGE");
    }
    assertEquals(List.of(), told);
  }

  @Test
  void limitsAskedOnlyAtRcptAndAMissingClientAddressAreToldOnce() {
    List<String> told = new ArrayList<>();
    Placement p = new Placement(told::add);
    for (int i = 0; i < 2 * Placement.PATIENCE; i++) {
      p.saw(at("RCPT"));
      p.perMessageLimitAtRcpt();
      p.noClientAddress();
    }
    assertEquals(2, told.size(), told.toString());
    assertTrue(told.get(0).startsWith("a request without client_address"), told.toString());
    assertTrue(told.get(1).startsWith("rate limits are asked only at RCPT"), told.toString());
  }
}
