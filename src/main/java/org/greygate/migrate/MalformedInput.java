package org.greygate.migrate;

/**
 * A line of a dump that cannot be read, named as {@code FILE:LINE: what} so that a postmaster can
 * open the file at that line. Reading stops at the first one and nothing is written.
 */
public final class MalformedInput extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final long line;

  public MalformedInput(String source, long line, String what) {
    super(source + ":" + line + ": " + what);
    this.line = line;
  }

  /** The line's number, from 1. */
  public long line() {
    return line;
  }
}
