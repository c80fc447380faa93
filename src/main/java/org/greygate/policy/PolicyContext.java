package org.greygate.policy;

import java.util.function.Function;
import org.greygate.protocol.PolicyRequest;

/**
 * One request on its way through the chain: the request, the time it is decided at, and what the
 * policies share about it, each value under its typed {@link ContextKey} (a value computed once,
 * e.g. the parsed client address or the one store step that both the auto-whitelist and the
 * greylist policy read).
 *
 * <p>Values sit in slots indexed by their key: the first few in fields, any others in an array: a
 * request costs no map, and with the keys the daemon declares no array either. Values are never
 * null (null means absent).
 *
 * <p>Not thread-safe, and need not be: the chain hands it from one policy to the next, each after
 * the previous one's stage completed, which orders their accesses.
 */
public final class PolicyContext {
  private final PolicyRequest request;
  private final long now;
  private final Placement placement;

  /** The first keys' values in fields (a request's usual few cost no array), the rest after. */
  private static final int INLINE = 4;

  private Object v0;
  private Object v1;
  private Object v2;
  private Object v3;
  private Object[] more;
  private String notApplicable;

  public PolicyContext(PolicyRequest request, long now) {
    this(request, now, Placement.SILENT);
  }

  /**
   * @param placement tells the admin when the requests show a misplaced policy check
   */
  public PolicyContext(PolicyRequest request, long now, Placement placement) {
    this.request = request;
    this.now = now;
    this.placement = placement;
  }

  public PolicyRequest request() {
    return request;
  }

  /** Where a policy says that the request shows it is asked at the wrong stage. */
  public Placement placement() {
    return placement;
  }

  /** Epoch seconds this request is decided at. */
  public long now() {
    return now;
  }

  /** The value under {@code key}, or null when none was set. */
  public <T> T get(ContextKey<T> key) {
    return key.cast(slot(key.index));
  }

  /** Sets the value under {@code key} (replacing any). */
  public <T> void set(ContextKey<T> key, T value) {
    if (value == null) throw new IllegalArgumentException("null value for " + key);
    int i = key.index;
    switch (i) {
      case 0 -> v0 = value;
      case 1 -> v1 = value;
      case 2 -> v2 = value;
      case 3 -> v3 = value;
      default -> {
        Object[] m = more;
        int at = i - INLINE;
        if (m == null || at >= m.length) {
          Object[] grown = new Object[Math.max(at + 1, ContextKey.count() - INLINE)];
          if (m != null) System.arraycopy(m, 0, grown, 0, m.length);
          more = m = grown;
        }
        m[at] = value;
      }
    }
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

  private Object slot(int i) {
    switch (i) {
      case 0:
        return v0;
      case 1:
        return v1;
      case 2:
        return v2;
      case 3:
        return v3;
      default:
        Object[] m = more;
        int at = i - INLINE;
        return m == null || at >= m.length ? null : m[at];
    }
  }

  /** Notes why a policy had no opinion (the first note is logged when nobody decides). */
  public void notApplicable(String why) {
    if (notApplicable == null) notApplicable = why;
  }

  String notApplicableReason() {
    return notApplicable;
  }
}
