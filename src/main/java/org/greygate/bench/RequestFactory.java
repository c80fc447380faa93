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

  private RequestFactory() {}

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
