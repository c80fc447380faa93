package org.greygate.greylist;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a plain store key into the key actually stored. With {@code --privacy} it is an HMAC-SHA256
 * under a per-installation secret, so a stolen database does not tell who mailed whom (Postgrey's
 * unsalted SHA-1 of a guessable string can be reversed by trying addresses).
 */
public interface KeyHasher {
  String apply(String key);

  KeyHasher PLAIN = key -> key;

  /** HMAC-SHA256 under {@code secret}, hex encoded. Thread-safe. */
  static KeyHasher hmac(byte[] secret) {
    if (secret.length < 16) {
      throw new IllegalArgumentException("privacy secret must have at least 16 bytes");
    }
    SecretKeySpec spec = new SecretKeySpec(secret.clone(), "HmacSHA256");
    ThreadLocal<Mac> macs =
        ThreadLocal.withInitial(
            () -> {
              try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(spec);
                return mac;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
              }
            });
    return key ->
        HexFormat.of().formatHex(macs.get().doFinal(key.getBytes(StandardCharsets.UTF_8)));
  }
}
