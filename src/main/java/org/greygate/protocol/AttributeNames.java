package org.greygate.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The attribute names Postfix sends, each with a fixed index: decoding a name costs a byte
 * comparison instead of a new String (and its hash) per attribute per request, and a request keeps
 * these attributes in arrays by index instead of a map.
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
  private static final byte[][] BYTES = new byte[TABLE][];
  private static final int[] INDEX = new int[TABLE];
  private static final Map<String, Integer> BY_NAME = new HashMap<>();

  static {
    for (int i = 0; i < NAMES.length; i++) {
      byte[] b = NAMES[i].getBytes(StandardCharsets.US_ASCII);
      int slot = hash(b, 0, b.length);
      while (BYTES[slot] != null) {
        slot = (slot + 1) & (TABLE - 1);
      }
      BYTES[slot] = b;
      INDEX[slot] = i;
      BY_NAME.put(NAMES[i], i);
    }
  }

  /** How many names are known: indexes are 0 to this, exclusive. */
  static int count() {
    return NAMES.length;
  }

  /** The name with index {@code i}. */
  static String name(int i) {
    return NAMES[i];
  }

  /** The index of {@code name}, or -1 if it is not a known name. */
  static int index(String name) {
    Integer i = BY_NAME.get(name);
    return i == null ? -1 : i;
  }

  private AttributeNames() {}

  private static int hash(byte[] b, int from, int len) {
    int h = len;
    for (int i = from; i < from + len; i++) {
      h = h * 31 + b[i];
    }
    return (h ^ h >>> 7) & (TABLE - 1);
  }

  /** The index of the name in {@code b[from, from+len)}, or -1 if it is not a known name. */
  static int index(byte[] b, int from, int len) {
    int slot = hash(b, from, len);
    while (BYTES[slot] != null) {
      byte[] candidate = BYTES[slot];
      if (candidate.length == len && Arrays.equals(candidate, 0, len, b, from, from + len)) {
        return INDEX[slot];
      }
      slot = (slot + 1) & (TABLE - 1);
    }
    return -1;
  }

  /** The constant for {@code b[from, from+len)}, or null if it is not a known name. */
  static String lookup(byte[] b, int from, int len) {
    int i = index(b, from, len);
    return i < 0 ? null : NAMES[i];
  }
}
