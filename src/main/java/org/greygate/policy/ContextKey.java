package org.greygate.policy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The name and type of one value a request's {@link PolicyContext} carries from one policy to the
 * next (the parsed recipient check, the greylisting hints, the one store step). Declared once, as a
 * constant, by the package that owns the value: {@code static final ContextKey<GreylistHints> KEY =
 * ContextKey.named("greylist hints")}; read and written through {@link PolicyContext#get}, {@link
 * PolicyContext#set} and {@link PolicyContext#computeIfAbsent}, with no cast at the call site.
 *
 * <p>Each key gets a small index at its declaration, so a context holds its values in slots indexed
 * by it: no map, no hashing per request. Keys are compared by identity; two keys with the same name
 * are two keys. Thread-safe.
 *
 * @param <T> the type of the value
 */
public final class ContextKey<T> {
  /**
   * The next key's index. Process-wide like the keys themselves (constants of their classes): a
   * handful exist, each declared once, so the indexes stay small.
   */
  private static final AtomicInteger NEXT = new AtomicInteger();

  final int index;
  private final String name;

  private ContextKey(String name) {
    this.name = name;
    this.index = NEXT.getAndIncrement();
  }

  /** A new key; declare it once, as a {@code static final} constant. */
  public static <T> ContextKey<T> named(String name) {
    return new ContextKey<>(name);
  }

  /** How many keys exist (so far). */
  static int count() {
    return NEXT.get();
  }

  /** The value stored under this key, typed: the context stores only values set through it. */
  @SuppressWarnings("unchecked")
  T cast(Object value) {
    return (T) value;
  }

  @Override
  public String toString() {
    return name;
  }
}
