package org.greygate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.greygate.metrics.Counters;
import org.greygate.policy.Category;
import org.greygate.policy.Reason;
import org.junit.jupiter.api.Test;

class StatsLineTest {
  static final Reasons REASONS = org.greygate.app.Features.reasons();

  static Map<String, Long> fields(String line) {
    assertTrue(line.startsWith("stats: "), line);
    Map<String, Long> out = new LinkedHashMap<>();
    for (String f : line.substring("stats: ".length()).split(" ")) {
      int eq = f.indexOf('=');
      out.put(f.substring(0, eq), Long.parseLong(f.substring(eq + 1)));
    }
    return out;
  }

  /** The line's text, field for field, as log parsers and docs/reliability.md know it. */
  @Test
  void theLineKeepsItsShape() {
    Counters c = new Counters();
    c.decision("defer", "new", 1);
    c.decision("defer", "early-retry", 1);
    c.decision("prepend", "triplet found", 1);
    c.decision("dunno", "triplet found", 1);
    c.decision("dunno", "client whitelist", 1);
    c.decision("dunno", "not applicable", 1);
    c.failOpen("timeout");
    c.replyTimeout();
    c.protocolError();
    c.connectionOpened();
    assertEquals(
        "stats: requests=6 greylisted=2 passed_first=1 passed=1 whitelisted=1 not_applicable=1"
            + " fail_open=1 store_faults=0 timeouts=1 protocol_errors=1 refused=0 denied=0"
            + " connections=1 pending_writes=0 triplets=42",
        new StatsLine(REASONS, c, () -> 42).text());
    assertTrue(
        new StatsLine(REASONS, c, null).text().endsWith(" pending_writes=0"),
        "a store too costly to count leaves the field out");
  }

  /**
   * Every reason is counted where its category says: a whitelisting or auto-whitelisting reason in
   * {@code whitelisted=}, a reason with no greylisting question in {@code not_applicable=}, a
   * greylisting one in {@code greylisted=}. (The line used to sum three whitelisting reasons of the
   * six: passes by allow-sender, greylist=off, DNS allow lists and --greylist-only-listed were in
   * no field.)
   */
  @Test
  void everyReasonCountsInTheFieldOfItsCategory() {
    for (Reason r : REASONS.all()) {
      String field =
          switch (r.category()) {
            case GREYLISTED -> "greylisted";
            case WHITELISTED, AUTO_WHITELISTED -> "whitelisted";
            case OTHER -> "not_applicable";
            default -> null; // passed (by outcome), fail_open and rate limits: their own counters
          };
      if (field == null) continue;
      Counters c = new Counters();
      Map<String, Long> before = fields(new StatsLine(REASONS, c, () -> 0).text());
      c.decision(r.category() == Category.GREYLISTED ? "defer" : "dunno", r.name(), 1);
      Map<String, Long> after = fields(new StatsLine(REASONS, c, () -> 0).text());
      assertEquals(before.get(field) + 1, after.get(field), r + " counts in " + field);
    }
  }
}
