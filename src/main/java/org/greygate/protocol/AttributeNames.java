package org.greygate.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The attribute names Postfix sends, as shared String constants: decoding a name costs a byte
 * comparison instead of a new String (and its hash) per attribute per request.
 */
final class AttributeNames {
  private static final String[] NAMES = {
    "request",
    "protocol_state",
    "protocol_name",
    "helo_name",
    "queue_id",
    "sender",
    "recipient",
    "recipient_count",
    "client_address",
    "client_name",
    "reverse_client_name",
    "instance",
    "sasl_method",
    "sasl_username",
    "sasl_sender",
    "size",
    "ccert_subject",
    "ccert_issuer",
    "ccert_fingerprint",
    "ccert_pubkey_fingerprint",
    "encryption_protocol",
    "encryption_cipher",
    "encryption_keysize",
    "etrn_domain",
    "stress",
    "client_port",
    "policy_context",
    "server_address",
    "server_port",
    "compatibility_level",
    "mail_version",
    "policy_test_time"
  };
  private static final int TABLE = 128;
  private static final String[] STRINGS = new String[TABLE];
  private static final byte[][] BYTES = new byte[TABLE][];

  static {
    for (String n : NAMES) {
      byte[] b = n.getBytes(StandardCharsets.US_ASCII);
      int slot = hash(b, 0, b.length);
      while (STRINGS[slot] != null) {
        slot = (slot + 1) & (TABLE - 1);
      }
      STRINGS[slot] = n;
      BYTES[slot] = b;
    }
  }

  private AttributeNames() {}

  private static int hash(byte[] b, int from, int len) {
    int h = len;
    for (int i = from; i < from + len; i++) {
      h = h * 31 + b[i];
    }
    return (h ^ h >>> 7) & (TABLE - 1);
  }

  /** The constant for {@code b[from, from+len)}, or null if it is not a known name. */
  static String lookup(byte[] b, int from, int len) {
    int slot = hash(b, from, len);
    while (BYTES[slot] != null) {
      byte[] candidate = BYTES[slot];
      if (candidate.length == len && Arrays.equals(candidate, 0, len, b, from, from + len)) {
        return STRINGS[slot];
      }
      slot = (slot + 1) & (TABLE - 1);
    }
    return null;
  }
}
