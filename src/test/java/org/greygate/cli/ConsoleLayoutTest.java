package org.greygate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

class ConsoleLayoutTest {
  final LoggerContext context = new LoggerContext();

  String layout(boolean journal, String logger, Level level, String message, Throwable t) {
    ConsoleLayout l = new ConsoleLayout();
    l.setContext(context);
    l.setJournal(journal);
    l.start();
    LoggingEvent e =
        new LoggingEvent(
            getClass().getName(), context.getLogger(logger), level, message, t, new Object[0]);
    return l.doLayout(e);
  }

  @Test
  void underTheJournalDecisionLinesAreBareWithTheirPriority() {
    // journald takes <6> as the priority and adds its own time: mail.log gets Postgrey's shape
    assertEquals(
        "<6>action=greylist, reason=new, client_name=x\n",
        layout(
                true,
                "greygate.decision",
                Level.INFO,
                "action=greylist, reason=new, client_name=x",
                null)
            .replace("\r\n", "\n"));
    assertEquals(
        "<4>PolicyChannelHandler: closing connection\n",
        layout(
                true,
                "org.greygate.server.PolicyChannelHandler",
                Level.WARN,
                "closing connection",
                null)
            .replace("\r\n", "\n"));
    String trace =
        layout(true, "org.greygate.X", Level.ERROR, "failed", new IllegalStateException("boom"));
    for (String line : trace.strip().split("\\R")) {
      assertTrue(line.startsWith("<3>"), "every line of a trace has the priority: " + line);
    }
  }

  @Test
  void aJournalStreamInheritedByAProcessWhoseStdoutGoesElsewhereIsNotTheJournal() {
    assertTrue(!ConsoleLayout.stdoutIsTheJournal(null));
    assertTrue(
        !ConsoleLayout.stdoutIsTheJournal("8:12345")); // this test's stdout is no such socket
  }

  @Test
  void onATerminalTimeLevelAndLogger() {
    String line = layout(false, "greygate.decision", Level.INFO, "action=pass, reason=x", null);
    assertTrue(
        line.matches(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  decision: action=pass, reason=x\\R"),
        line);
  }
}
