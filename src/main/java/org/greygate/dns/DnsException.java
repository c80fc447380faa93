package org.greygate.dns;

/** A lookup that got no usable answer: timeout, SERVFAIL, refused, no resolver reachable. */
public final class DnsException extends RuntimeException {
  public DnsException(String message, Throwable cause) {
    super(message, cause);
  }
}
