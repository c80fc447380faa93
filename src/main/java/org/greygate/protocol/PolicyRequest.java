package org.greygate.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One policy delegation request: the attributes Postfix sent. Immutable.
 *
 * <p>Getters return {@code null} for an attribute that was not sent at all and {@code ""} for one
 * that was sent empty; Postfix sends every attribute it knows, empty when unknown, and that
 * difference matters (e.g. {@code etrn_domain} tells a Postfix from another client).
 *
 * <p>A decoded request keeps the bytes it arrived in and where each known attribute's value lies; a
 * value becomes a String the first time it is read. A decision reads a handful of the thirty
 * attributes Postfix sends, so the rest never cost an object. Safe to read from several threads: a
 * value decoded twice by two threads is the same text.
 */
public final class PolicyRequest {
  private static final int KNOWN = AttributeNames.count();
  private static final String[] NONE = {};

  /** The request's bytes; the known attributes' values are spans of it. Null when built. */
  private final byte[] text;

  /**
   * Two ints per known attribute: the value's start in {@link #text} and its length, -1 if unsent.
   */
  private final int[] spans;

  /** The known attributes' values once read (or given). */
  private final String[] values;

  /** Attributes outside the known names, in arrival order. */
  private final String[] otherNames;

  private final String[] otherValues;

  private PolicyRequest(
      byte[] text, int[] spans, String[] values, String[] otherNames, String[] otherValues) {
    this.text = text;
    this.spans = spans;
    this.values = values;
    this.otherNames = otherNames;
    this.otherValues = otherValues;
  }

  /** Copies the map; later changes to it do not show. */
  public static PolicyRequest of(Map<String, String> attributes) {
    int[] spans = new int[2 * KNOWN];
    Arrays.fill(spans, -1);
    String[] values = new String[KNOWN];
    int others = 0;
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new NullPointerException("attribute names and values must not be null");
      }
      if (AttributeNames.index(e.getKey()) < 0) others++;
    }
    String[] names = others == 0 ? NONE : new String[others];
    String[] vals = others == 0 ? NONE : new String[others];
    int o = 0;
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      int i = AttributeNames.index(e.getKey());
      if (i >= 0) {
        values[i] = e.getValue();
      } else {
        names[o] = e.getKey();
        vals[o++] = e.getValue();
      }
    }
    return new PolicyRequest(null, spans, values, names, vals);
  }

  /**
   * Takes ownership of a decoded request (decoder use): {@code text} and {@code spans} are never
   * touched again by the caller.
   */
  static PolicyRequest decoded(
      byte[] text, int[] spans, String[] otherNames, String[] otherValues) {
    return new PolicyRequest(text, spans, new String[KNOWN], otherNames, otherValues);
  }

  /** The value, or {@code null} when the attribute was not sent. */
  public String get(String name) {
    int i = AttributeNames.index(name);
    if (i >= 0) return known(i);
    for (int o = 0; o < otherNames.length; o++) {
      if (otherNames[o].equals(name)) return otherValues[o];
    }
    return null;
  }

  public boolean has(String name) {
    return get(name) != null;
  }

  /** The known attribute with index {@code i}: decoded on first read. */
  private String known(int i) {
    String v = values[i];
    if (v == null) {
      int length = spans[2 * i + 1];
      if (length < 0) return null;
      // invalid UTF-8 becomes U+FFFD rather than failing the request
      v = new String(text, spans[2 * i], length, StandardCharsets.UTF_8);
      values[i] = v;
    }
    return v;
  }

  /**
   * Every attribute: the names Postfix sends in a fixed order, then any others in arrival order. A
   * new map each call (tests and tools; a decision reads attributes one by one).
   */
  public Map<String, String> attributes() {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < KNOWN; i++) {
      String v = known(i);
      if (v != null) m.put(AttributeNames.name(i), v);
    }
    for (int o = 0; o < otherNames.length; o++) {
      m.put(otherNames[o], otherValues[o]);
    }
    return Collections.unmodifiableMap(m);
  }

  public String request() {
    return known(Idx.REQUEST);
  }

  public String protocolState() {
    return known(Idx.PROTOCOL_STATE);
  }

  public String clientAddress() {
    return known(Idx.CLIENT_ADDRESS);
  }

  public String clientName() {
    return known(Idx.CLIENT_NAME);
  }

  public String sender() {
    return known(Idx.SENDER);
  }

  public String recipient() {
    return known(Idx.RECIPIENT);
  }

  public String instance() {
    return known(Idx.INSTANCE);
  }

  public String queueId() {
    return known(Idx.QUEUE_ID);
  }

  /** Indexes of the attributes with getters. */
  private static final class Idx {
    static final int REQUEST = AttributeNames.index("request");
    static final int PROTOCOL_STATE = AttributeNames.index("protocol_state");
    static final int CLIENT_ADDRESS = AttributeNames.index("client_address");
    static final int CLIENT_NAME = AttributeNames.index("client_name");
    static final int SENDER = AttributeNames.index("sender");
    static final int RECIPIENT = AttributeNames.index("recipient");
    static final int INSTANCE = AttributeNames.index("instance");
    static final int QUEUE_ID = AttributeNames.index("queue_id");

    private Idx() {}
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyRequest other && attributes().equals(other.attributes());
  }

  @Override
  public int hashCode() {
    return attributes().hashCode();
  }

  @Override
  public String toString() {
    return "PolicyRequest" + attributes();
  }
}
