package org.greygate.protocol;

import static org.greygate.config.InvalidSetting.check;

/**
 * Bounds on what one client may send. Checked once at construction; the decoder enforces them.
 *
 * @param maxLineBytes longest attribute line, without its newline
 * @param maxAttributes most attribute lines in one request
 * @param maxRequestBytes most bytes in one request, newlines included
 */
public record ProtocolLimits(int maxLineBytes, int maxAttributes, int maxRequestBytes) {
  /** Postfix caps SMTP-derived values at 2048 bytes and sends about 30 attributes. */
  public static final ProtocolLimits DEFAULT = new ProtocolLimits(8192, 100, 65536);

  public ProtocolLimits {
    check(
        maxLineBytes >= 64 && maxLineBytes <= 1 << 20,
        "max-line-length",
        "must be 64..1048576 bytes, got " + maxLineBytes);
    check(
        maxAttributes >= 8 && maxAttributes <= 10_000,
        "max-attributes",
        "must be 8..10000, got " + maxAttributes);
    check(
        maxRequestBytes >= maxLineBytes && maxRequestBytes <= 16 << 20,
        "max-request-size",
        "must be between the line limit ("
            + maxLineBytes
            + ") and 16777216 bytes, got "
            + maxRequestBytes);
  }
}
