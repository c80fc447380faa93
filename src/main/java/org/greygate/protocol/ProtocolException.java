package org.greygate.protocol;

/** A client broke the policy protocol; the connection cannot be trusted to resynchronise. */
public final class ProtocolException extends Exception {
  /** What went wrong, for logs and metrics. */
  public enum Kind {
    LINE_TOO_LONG,
    TOO_MANY_ATTRIBUTES,
    REQUEST_TOO_LARGE,
    MISSING_EQUALS,
    EMPTY_NAME,
    NUL_BYTE
  }

  private final Kind kind;

  public ProtocolException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
