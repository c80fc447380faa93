package org.greygate.spf;

import java.util.Locale;

/** The results of RFC 7208's check_host(), section 2.6. */
public enum SpfResult {
  PASS,
  FAIL,
  SOFTFAIL,
  NEUTRAL,
  NONE,
  PERMERROR,
  TEMPERROR;

  /** As written in logs, metrics and Received-SPF headers: {@code pass}, {@code softfail}... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static SpfResult ofQualifier(char q) {
    return switch (q) {
      case '-' -> FAIL;
      case '~' -> SOFTFAIL;
      case '?' -> NEUTRAL;
      default -> PASS;
    };
  }
}
