package org.greygate.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Incremental decoder for one connection: feed it bytes as they arrive, in any split, and it hands
 * out each complete request (attribute lines ended by an empty line).
 *
 * <p>Grammar: {@code name=value\n}, split on the first {@code =}; a {@code \r} before the {@code
 * \n} is tolerated and dropped; a repeated name keeps its last value. Bytes that are not UTF-8 are
 * replaced with U+FFFD. Every limit in {@link ProtocolLimits} is enforced as bytes arrive, so
 * memory per connection stays bounded whatever the peer sends. After the first error the decoder
 * stays failed: the stream cannot be resynchronised and the caller must close the connection.
 *
 * <p>Not thread-safe: one instance per connection, used by one thread at a time.
 */
public final class PolicyDecoder {
  private final ProtocolLimits limits;
  private final CharsetDecoder utf8 =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private byte[] line = new byte[256];
  private int lineLength;
  private Map<String, String> attributes = new HashMap<>(64);
  private int attributeCount;
  private int requestBytes;
  private ProtocolException failure;

  public PolicyDecoder(ProtocolLimits limits) {
    this.limits = limits;
  }

  /**
   * Consumes {@code length} bytes; calls {@code out} once per completed request, in order.
   *
   * @throws ProtocolException when a limit or the grammar is broken; the decoder stays failed
   */
  public void feed(byte[] bytes, int offset, int length, Consumer<PolicyRequest> out)
      throws ProtocolException {
    if (failure != null) {
      throw failure;
    }
    int end = offset + length;
    int i = offset;
    while (i < end) {
      // Find the end of the line in this chunk and copy the run in one go.
      int nl = i;
      while (nl < end && bytes[nl] != '\n') {
        if (bytes[nl] == 0) {
          throw fail(ProtocolException.Kind.NUL_BYTE, "NUL byte in request");
        }
        nl++;
      }
      int run = nl - i;
      if (lineLength + run > limits.maxLineBytes()) {
        throw fail(
            ProtocolException.Kind.LINE_TOO_LONG,
            "line longer than " + limits.maxLineBytes() + " bytes");
      }
      requestBytes += run + (nl < end ? 1 : 0);
      if (requestBytes > limits.maxRequestBytes()) {
        throw fail(
            ProtocolException.Kind.REQUEST_TOO_LARGE,
            "request larger than " + limits.maxRequestBytes() + " bytes");
      }
      if (lineLength + run > line.length) {
        int size = line.length;
        while (size < lineLength + run) {
          size *= 2;
        }
        byte[] bigger = new byte[Math.min(size, limits.maxLineBytes())];
        System.arraycopy(line, 0, bigger, 0, lineLength);
        line = bigger;
      }
      System.arraycopy(bytes, i, line, lineLength, run);
      lineLength += run;
      i = nl;
      if (i < end) {
        i++; // the '\n'
        endOfLine(out);
      }
    }
  }

  /** True when no part of a request is pending: a close now loses nothing. */
  public boolean isBetweenRequests() {
    return lineLength == 0 && attributeCount == 0 && failure == null;
  }

  private void endOfLine(Consumer<PolicyRequest> out) throws ProtocolException {
    int len = lineLength;
    if (len > 0 && line[len - 1] == '\r') {
      len--;
    }
    lineLength = 0;
    if (len == 0) {
      if (attributeCount == 0) {
        // A stray empty line between requests carries nothing; Postfix never sends one.
        requestBytes = 0;
        return;
      }
      PolicyRequest request = PolicyRequest.adopt(attributes);
      attributes = new HashMap<>(64);
      attributeCount = 0;
      requestBytes = 0;
      out.accept(request);
      return;
    }
    int eq = -1;
    for (int i = 0; i < len; i++) {
      if (line[i] == '=') {
        eq = i;
        break;
      }
    }
    if (eq < 0) {
      throw fail(ProtocolException.Kind.MISSING_EQUALS, "attribute line without '='");
    }
    if (eq == 0) {
      throw fail(ProtocolException.Kind.EMPTY_NAME, "attribute line with an empty name");
    }
    if (++attributeCount > limits.maxAttributes()) {
      throw fail(
          ProtocolException.Kind.TOO_MANY_ATTRIBUTES,
          "more than " + limits.maxAttributes() + " attributes in one request");
    }
    String name = AttributeNames.lookup(line, 0, eq);
    attributes.put(name != null ? name : decode(0, eq), decode(eq + 1, len - eq - 1));
  }

  private String decode(int from, int length) {
    boolean ascii = true;
    for (int i = from; i < from + length; i++) {
      if (line[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(line, from, length, StandardCharsets.ISO_8859_1);
    }
    try {
      return utf8.decode(ByteBuffer.wrap(line, from, length)).toString();
    } catch (CharacterCodingException e) {
      // Unreachable with REPLACE actions; keep the bytes visible rather than lose the value.
      return new String(line, from, length, StandardCharsets.ISO_8859_1);
    }
  }

  private ProtocolException fail(ProtocolException.Kind kind, String message) {
    failure = new ProtocolException(kind, message);
    return failure;
  }
}
