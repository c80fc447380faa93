package org.greygate.bench;

import java.nio.charset.StandardCharsets;

/**
 * Builds requests as Postfix 3.7 sends them at RCPT time (about 30 attributes, empty when unknown),
 * for triplet number {@code i} of a keyspace: triplet i has its own client subnet, sender and
 * recipient, so the keyspace size sets how many distinct triplets the load touches.
 */
public final class RequestFactory {
  private static final String HEAD =
      "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n";
  private static final String TAIL =
      "ccert_subject=\nccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\n"
          + "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\nencryption_keysize=256\n"
          + "etrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\nsize=0\n"
          + "recipient_count=0\nqueue_id=\npolicy_context=\nserver_address=192.0.2.25\nserver_port=25\n"
          + "compatibility_level=3.6\nmail_version=3.7.11\n\n";

  private static final byte[] HEAD_BYTES = HEAD.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TAIL_BYTES = TAIL.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private RequestFactory() {}

  /** The longest request {@link #writeRequest} writes or {@link #submission} builds. */
  public static final int MAX_REQUEST = 1200;

  /**
   * Writes {@link #request}{@code (i, instance)} into {@code out} from position 0 without building
   * a string (the load generator must not be what it measures); returns the length.
   */
  public static int writeRequest(long i, long instance, byte[] out) {
    int a = (int) (i >>> 16 & 0xff);
    int b = (int) (i >>> 8 & 0xff);
    int c = (int) (i & 0xff);
    int p = put(out, 0, HEAD_BYTES);
    p = ascii(out, p, "helo_name=");
    int name = p;
    p = ascii(out, p, "mx");
    p = decimal(out, p, i);
    p = ascii(out, p, ".sender");
    p = decimal(out, p, i % 997);
    p = ascii(out, p, ".example");
    int nameEnd = p;
    out[p++] = '\n';
    p = ascii(out, p, "queue_id=\nsender=news-");
    p = decimal(out, p, i);
    p = ascii(out, p, "x@sender");
    p = decimal(out, p, i % 997);
    p = ascii(out, p, ".example\nrecipient=user");
    p = decimal(out, p, i % 5003);
    p = ascii(out, p, "@rcpt.example\nclient_address=10.");
    p = decimal(out, p, a);
    out[p++] = '.';
    p = decimal(out, p, b);
    out[p++] = '.';
    p = decimal(out, p, c & 0x7f);
    p = ascii(out, p, "\nclient_name=");
    System.arraycopy(out, name, out, p, nameEnd - name);
    p += nameEnd - name;
    p = ascii(out, p, "\nreverse_client_name=");
    System.arraycopy(out, name, out, p, nameEnd - name);
    p += nameEnd - name;
    p = ascii(out, p, "\nclient_port=");
    p = decimal(out, p, 40000 + (i % 20000));
    p = ascii(out, p, "\ninstance=");
    p = hex(out, p, instance);
    out[p++] = '.';
    p = decimal(out, p, i);
    out[p++] = '\n';
    return put(out, p, TAIL_BYTES);
  }

  private static int put(byte[] out, int p, byte[] bytes) {
    System.arraycopy(bytes, 0, out, p, bytes.length);
    return p + bytes.length;
  }

  private static int ascii(byte[] out, int p, String s) {
    for (int k = 0; k < s.length(); k++) out[p++] = (byte) s.charAt(k);
    return p;
  }

  private static int decimal(byte[] out, int p, long v) {
    if (v < 0) throw new IllegalArgumentException("negative: " + v);
    int digits = 1;
    for (long x = v; x >= 10; x /= 10) digits++;
    for (int k = p + digits - 1; k >= p; k--) {
      out[k] = (byte) ('0' + v % 10);
      v /= 10;
    }
    return p + digits;
  }

  private static int hex(byte[] out, int p, long v) {
    int digits = v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 3) / 4;
    for (int k = p + digits - 1; k >= p; k--) {
      out[k] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
    return p + digits;
  }

  /**
   * An END-OF-MESSAGE request from authenticated user {@code i} on the submission port (what a rate
   * limit in smtpd_end_of_data_restrictions sees): 1 to 5 recipients, a few kilobytes.
   */
  public static byte[] submission(long i, long instance) {
    String user = "user" + i + "@example.org";
    String s =
        "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nprotocol_name=ESMTPSA\n"
            + "helo_name=laptop"
            + i
            + "\nqueue_id=4C0FFEE"
            + Long.toHexString(instance & 0xfffff)
            + "\nsender="
            + user
            + "\nrecipient=\nrecipient_count="
            + (1 + i % 5)
            + "\nclient_address=10."
            + (i >>> 8 & 0xff)
            + "."
            + (i & 0xff)
            + ".1"
            + "\nclient_name=unknown\nreverse_client_name=unknown\ninstance="
            + Long.toHexString(instance)
            + "\nsasl_method=PLAIN\nsasl_username="
            + user
            + "\nsize="
            + (2000 + i % 30_000)
            + "\nserver_address=192.0.2.25\nserver_port=587\nencryption_protocol=TLSv1.3\n"
            + "compatibility_level=3.6\nmail_version=3.7.11\n\n";
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] request(long i, long instance) {
    int a = (int) (i >>> 16 & 0xff);
    int b = (int) (i >>> 8 & 0xff);
    int c = (int) (i & 0xff);
    String client = "10." + a + "." + b + "." + (c & 0x7f);
    String name = "mx" + i + ".sender" + (i % 997) + ".example";
    StringBuilder sb = new StringBuilder(900);
    sb.append(HEAD)
        .append("helo_name=")
        .append(name)
        .append('\n')
        .append("queue_id=\n")
        .append("sender=news-")
        .append(i)
        .append("x@sender")
        .append(i % 997)
        .append(".example\n")
        .append("recipient=user")
        .append(i % 5003)
        .append("@rcpt.example\n")
        .append("client_address=")
        .append(client)
        .append('\n')
        .append("client_name=")
        .append(name)
        .append('\n')
        .append("reverse_client_name=")
        .append(name)
        .append('\n')
        .append("client_port=")
        .append(40000 + (i % 20000))
        .append('\n')
        .append("instance=")
        .append(Long.toHexString(instance))
        .append(".")
        .append(i)
        .append('\n')
        .append(TAIL);
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
