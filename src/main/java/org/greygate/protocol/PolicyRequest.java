package org.greygate.protocol;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One policy delegation request: the attributes Postfix sent, in arrival order. Immutable.
 *
 * <p>Getters return {@code null} for an attribute that was not sent at all and {@code ""} for one
 * that was sent empty; Postfix sends every attribute it knows, empty when unknown, and that
 * difference matters (e.g. {@code etrn_domain} tells a Postfix from another client).
 */
public final class PolicyRequest {
  private final Map<String, String> attributes;

  private PolicyRequest(Map<String, String> attributes) {
    this.attributes = attributes;
  }

  /** Copies the map; later changes to it do not show. */
  public static PolicyRequest of(Map<String, String> attributes) {
    return new PolicyRequest(Collections.unmodifiableMap(new LinkedHashMap<>(attributes)));
  }

  /** Takes ownership of a map the caller will never touch again (decoder use). */
  static PolicyRequest adopt(Map<String, String> attributes) {
    return new PolicyRequest(Collections.unmodifiableMap(attributes));
  }

  /** The value, or {@code null} when the attribute was not sent. */
  public String get(String name) {
    return attributes.get(name);
  }

  public boolean has(String name) {
    return attributes.containsKey(name);
  }

  public Map<String, String> attributes() {
    return attributes;
  }

  public String request() {
    return attributes.get("request");
  }

  public String protocolState() {
    return attributes.get("protocol_state");
  }

  public String clientAddress() {
    return attributes.get("client_address");
  }

  public String clientName() {
    return attributes.get("client_name");
  }

  public String sender() {
    return attributes.get("sender");
  }

  public String recipient() {
    return attributes.get("recipient");
  }

  public String instance() {
    return attributes.get("instance");
  }

  public String queueId() {
    return attributes.get("queue_id");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PolicyRequest other && attributes.equals(other.attributes);
  }

  @Override
  public int hashCode() {
    return attributes.hashCode();
  }

  @Override
  public String toString() {
    return "PolicyRequest" + attributes;
  }
}
