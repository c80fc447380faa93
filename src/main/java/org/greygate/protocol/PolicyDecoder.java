package org.greygate.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Incremental decoder for one connection: feed it bytes as they arrive, in any split, and it hands
 * out each complete request (attribute lines ended by an empty line).
 *
 * <p>Grammar: {@code name=value\n}, split on the first {@code =}; a {@code \r} before the {@code
 * \n} is tolerated and dropped; a repeated name keeps its last value. Bytes that are not UTF-8 are
 * replaced with U+FFFD. Any other control character (a CR inside a line, TAB, ESC, DEL: Postfix
 * passes a quoted local part as the client sent it) becomes '?', as Postfix's own {@code
 * printable()} does for the HELO name: no key, log line or dump row built from a value can hold a
 * line break or a terminal escape. A NUL, which Postfix never sends, fails the request. Every limit
 * in {@link ProtocolLimits} is enforced as bytes arrive, so memory per connection stays bounded
 * whatever the peer sends. After the first error the decoder stays failed: the stream cannot be
 * resynchronised and the caller must close the connection.
 *
 * <p>The request's bytes are gathered in one buffer and handed to the request whole, with where
 * each known attribute's value lies: no String or map entry per attribute (see {@link
 * PolicyRequest}). Attributes outside the names Postfix sends are decoded at once.
 *
 * <p>Not thread-safe: one instance per connection, used by one thread at a time.
 */
public final class PolicyDecoder {
  private static final int KNOWN = AttributeNames.count();

  /** A buffer grown past this for one large request goes back to the small size after it. */
  private static final int KEEP_BYTES = 4096;

  private final ProtocolLimits limits;

  /**
   * The current request: the values of its known attributes so far, then the line being read, from
   * offset 0 to {@link #length}.
   */
  private byte[] buf = new byte[1024];

  private int length;

  /** Where the line being read starts in {@link #buf}. */
  private int lineStart;

  /** Per known attribute, the value's start and length in {@link #buf}; -1 when not sent. */
  private int[] spans = newSpans();

  private List<String> otherNames;
  private List<String> otherValues;

  /** Whether the line being read holds a control character (CR, TAB, ESC, DEL...). */
  private boolean controls;

  private int attributeCount;
  private int requestBytes;
  private ProtocolException failure;

  public PolicyDecoder(ProtocolLimits limits) {
    this.limits = limits;
  }

  private static int[] newSpans() {
    int[] s = new int[2 * KNOWN];
    Arrays.fill(s, -1);
    return s;
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
        byte b = bytes[nl];
        if ((b & 0xff) < 0x20 || b == 0x7f) {
          if (b == 0) {
            throw fail(ProtocolException.Kind.NUL_BYTE, "NUL byte in request");
          }
          controls = true; // rare: replaced once the line is complete
        }
        nl++;
      }
      int run = nl - i;
      if (this.length - lineStart + run > limits.maxLineBytes()) {
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
      if (this.length + run > buf.length) {
        // bounded: lines (without newlines) never exceed maxRequestBytes
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, this.length + run));
      }
      System.arraycopy(bytes, i, buf, this.length, run);
      this.length += run;
      i = nl;
      if (i < end) {
        i++; // the '\n'
        endOfLine(out);
      }
    }
  }

  /** True when no part of a request is pending: a close now loses nothing. */
  public boolean isBetweenRequests() {
    return length == 0 && attributeCount == 0 && failure == null;
  }

  private void endOfLine(Consumer<PolicyRequest> out) throws ProtocolException {
    int from = lineStart;
    int end = length;
    if (end > from && buf[end - 1] == '\r') {
      end--;
    }
    if (controls) {
      controls = false;
      for (int i = from; i < end; i++) {
        if ((buf[i] & 0xff) < 0x20 || buf[i] == 0x7f) {
          buf[i] = '?';
        }
      }
    }
    if (end == from) {
      length = from; // the empty line (and its CR) is not part of any attribute
      if (attributeCount == 0) {
        // A stray empty line between requests carries nothing; Postfix never sends one.
        requestBytes = 0;
        return;
      }
      finishRequest(out);
      return;
    }
    int eq = -1;
    for (int i = from; i < end; i++) {
      if (buf[i] == '=') {
        eq = i;
        break;
      }
    }
    if (eq < 0) {
      throw fail(ProtocolException.Kind.MISSING_EQUALS, "attribute line without '='");
    }
    if (eq == from) {
      throw fail(ProtocolException.Kind.EMPTY_NAME, "attribute line with an empty name");
    }
    if (++attributeCount > limits.maxAttributes()) {
      throw fail(
          ProtocolException.Kind.TOO_MANY_ATTRIBUTES,
          "more than " + limits.maxAttributes() + " attributes in one request");
    }
    int index = AttributeNames.index(buf, from, eq - from);
    if (index >= 0) {
      // keep the value alone, where its line began: the request carries no names
      int value = end - eq - 1;
      System.arraycopy(buf, eq + 1, buf, from, value);
      spans[2 * index] = from; // a repeated name: the last value wins
      spans[2 * index + 1] = value;
      length = from + value;
    } else {
      other(utf8(from, eq - from), utf8(eq + 1, end - eq - 1));
      length = from;
    }
    lineStart = length;
  }

  private void other(String name, String value) {
    if (otherNames == null) {
      otherNames = new ArrayList<>(4);
      otherValues = new ArrayList<>(4);
    }
    int at = otherNames.indexOf(name);
    if (at >= 0) {
      otherValues.set(at, value); // a repeated name: the last value wins
    } else {
      otherNames.add(name);
      otherValues.add(value);
    }
  }

  private void finishRequest(Consumer<PolicyRequest> out) {
    String[] names = NO_STRINGS;
    String[] values = NO_STRINGS;
    if (otherNames != null) {
      names = otherNames.toArray(NO_STRINGS);
      values = otherValues.toArray(NO_STRINGS);
      otherNames = null;
      otherValues = null;
    }
    PolicyRequest request = PolicyRequest.decoded(Arrays.copyOf(buf, length), spans, names, values);
    spans = newSpans();
    if (buf.length > KEEP_BYTES) {
      buf = new byte[1024];
    }
    length = 0;
    lineStart = 0;
    attributeCount = 0;
    requestBytes = 0;
    out.accept(request);
  }

  private static final String[] NO_STRINGS = {};

  /** Invalid UTF-8 becomes U+FFFD rather than failing the request. */
  private String utf8(int from, int len) {
    return new String(buf, from, len, StandardCharsets.UTF_8);
  }

  private ProtocolException fail(ProtocolException.Kind kind, String message) {
    failure = new ProtocolException(kind, message);
    return failure;
  }
}
