package org.greygate.policy;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.greygate.protocol.PolicyRequest;

/**
 * One request on its way through the chain: the request, the time it is decided at, and what the
 * policies share about it (a value computed once, e.g. the parsed client address or the one store
 * step that both the auto-whitelist and the greylist policy read).
 *
 * <p>Not thread-safe, and need not be: the chain hands it from one policy to the next, each after
 * the previous one's stage completed, which orders their accesses.
 */
public final class PolicyContext {
  private final PolicyRequest request;
  private final long now;
  private Object key0;
  private Object value0;
  private Object key1;
  private Object value1;
  private Map<Object, Object> more;
  private String notApplicable;

  /** Set when the server answered this request at its deadline (read where it completes). */
  volatile boolean timedOut;

  public PolicyContext(PolicyRequest request, long now) {
    this.request = request;
    this.now = now;
  }

  public PolicyRequest request() {
    return request;
  }

  /** Epoch seconds this request is decided at. */
  public long now() {
    return now;
  }

  /**
   * The value under {@code key}, computed by {@code compute} on first use. Keys are compared by
   * identity: use a constant object per kind of value.
   */
  @SuppressWarnings("unchecked")
  public <T> T shared(Object key, Supplier<T> compute) {
    // two values are shared today (the parsed attributes, the store step): two slots, no map
    if (key0 == key) return (T) value0;
    if (key1 == key) return (T) value1;
    if (more != null && more.containsKey(key)) return (T) more.get(key);
    T v = compute.get();
    if (key0 == null) {
      key0 = key;
      value0 = v;
    } else if (key1 == null) {
      key1 = key;
      value1 = v;
    } else {
      if (more == null) more = new HashMap<>(4);
      more.put(key, v);
    }
    return v;
  }

  /** The value under {@code key} if one was computed, else null (nothing is computed or kept). */
  @SuppressWarnings("unchecked")
  public <T> T find(Object key) {
    if (key0 == key) return (T) value0;
    if (key1 == key) return (T) value1;
    return more == null ? null : (T) more.get(key);
  }

  /** Notes why a policy had no opinion (the first note is logged when nobody decides). */
  public void notApplicable(String why) {
    if (notApplicable == null) notApplicable = why;
  }

  String notApplicableReason() {
    return notApplicable;
  }
}
