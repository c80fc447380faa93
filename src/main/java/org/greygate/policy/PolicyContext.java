package org.greygate.policy;

import java.util.function.Function;
import org.greygate.protocol.PolicyRequest;

/**
 * One request on its way through the chain: the request, the time it is decided at, and what the
 * policies share about it, each value under its typed {@link ContextKey} (a value computed once,
 * e.g. the parsed client address or the one store step that both the auto-whitelist and the
 * greylist policy read).
 *
 * <p>Values sit in an array indexed by their key, allocated at the first value: a request costs no
 * map. Values are never null (null means absent).
 *
 * <p>Not thread-safe, and need not be: the chain hands it from one policy to the next, each after
 * the previous one's stage completed, which orders their accesses.
 */
public final class PolicyContext {
  private final PolicyRequest request;
  private final long now;
  private Object[] values;
  private String notApplicable;

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

  /** The value under {@code key}, or null when none was set. */
  public <T> T get(ContextKey<T> key) {
    Object[] v = values;
    int i = key.index;
    return v == null || i >= v.length ? null : key.cast(v[i]);
  }

  /** Sets the value under {@code key} (replacing any). */
  public <T> void set(ContextKey<T> key, T value) {
    if (value == null) throw new IllegalArgumentException("null value for " + key);
    slots(key.index)[key.index] = value;
  }

  /**
   * The value under {@code key}, computed by {@code compute} from this context on first use. A
   * method reference or a lambda that captures nothing costs no allocation here.
   */
  public <T> T computeIfAbsent(ContextKey<T> key, Function<PolicyContext, ? extends T> compute) {
    T v = get(key);
    if (v == null) {
      v = compute.apply(this);
      set(key, v);
    }
    return v;
  }

  private Object[] slots(int index) {
    Object[] v = values;
    if (v == null || index >= v.length) {
      Object[] grown = new Object[Math.max(index + 1, ContextKey.count())];
      if (v != null) System.arraycopy(v, 0, grown, 0, v.length);
      values = v = grown;
    }
    return v;
  }

  /** Notes why a policy had no opinion (the first note is logged when nobody decides). */
  public void notApplicable(String why) {
    if (notApplicable == null) notApplicable = why;
  }

  String notApplicableReason() {
    return notApplicable;
  }
}
