package org.greygate.report;

/**
 * What a line of a log held: a decision ({@link LogLine}), nothing of greygate's or Postgrey's
 * ({@link Other}: Postfix's lines, anything another program wrote), or a line of theirs that looks
 * like a decision and does not parse ({@link Unreadable}: cut, damaged, or written by someone else
 * under their name).
 */
public sealed interface LineRead permits LogLine, LineRead.Other, LineRead.Unreadable {
  record Other() implements LineRead {}

  /**
   * @param why what was wrong, for a test or a debugging session
   */
  record Unreadable(String why) implements LineRead {}
}
