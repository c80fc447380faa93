package org.greygate.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md lists every rule config/greygate-alerts.yml holds (it once counted four when
 * the file had nine): a rule added to the file without a line in the docs fails here.
 */
class AlertRulesDocumentedTest {
  @Test
  void everyAlertRuleIsListedInTheOperationsGuide() throws Exception {
    List<String> rules =
        Pattern.compile("(?m)^\\s*- alert: (\\S+)")
            .matcher(Files.readString(Path.of("config/greygate-alerts.yml")))
            .results()
            .map(m -> m.group(1))
            .toList();
    assertFalse(rules.isEmpty());
    String docs = Files.readString(Path.of("docs/operations.md"));
    for (String rule : rules) {
      assertTrue(docs.contains("| `" + rule + "` |"), rule + " is not in docs/operations.md");
    }
  }
}
