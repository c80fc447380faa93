package org.greygate.store;

/**
 * Postgrey's clean-up rules, applied continuously instead of once a night, as one value: the expiry
 * of every backend. LMDB and the memory store sweep by {@link #expired}; Redis sets each row's TTL
 * to {@link #ttl} and hands the triplet script the TTLs, so both ask the same question.
 *
 * <ul>
 *   <li>a triplet or client not seen for longer than {@code maxAge} is dead;
 *   <li>a triplet that never passed (last - first &lt; delay) and was not retried within the retry
 *       window is dead.
 * </ul>
 *
 * <p>The one formula: a row lives {@link #ttl} seconds after it was last seen, and is dead once
 * they have run out ({@code now - lastSeen >= ttl}), which is also how Redis counts a TTL set when
 * the row is written.
 */
public record Expiry(long delay, long maxAge, long retryWindow) {
  /** Seconds a triplet row lives after it was last seen: see {@link #ttl(boolean)}. */
  public long ttl(TripletEntry e) {
    return ttl(e.lastSeen() - e.firstSeen() >= delay);
  }

  /**
   * Seconds a triplet row lives after it was last seen: {@code maxAge + 1} once it passed (its
   * sightings are at least {@code delay} apart), else also no longer than {@code retryWindow + 1}.
   */
  public long ttl(boolean passed) {
    return (passed ? maxAge : Math.min(maxAge, retryWindow)) + 1;
  }

  /** Seconds a client's auto-whitelist row lives after it was last seen: {@code maxAge + 1}. */
  public long ttl(ClientEntry e) {
    return clientTtl();
  }

  /** {@link #ttl(ClientEntry)}, which depends on no row. */
  public long clientTtl() {
    return maxAge + 1;
  }

  public boolean expired(TripletEntry e, long now) {
    return now - e.lastSeen() >= ttl(e);
  }

  public boolean expired(ClientEntry e, long now) {
    return now - e.lastSeen() >= clientTtl();
  }

  /** Decision counters are kept as long as the greylist remembers: {@code maxAge}. */
  public boolean hourExpired(long hour, long now) {
    return now - (hour + 3600) > maxAge;
  }

  /**
   * Seconds the decision counters of an hour live after a write: the hour's counters are written
   * during or after that hour, so this keeps them at least until {@link #hourExpired}.
   */
  public long hourTtl() {
    return maxAge + 3600;
  }

  /**
   * This expiry for a sweep while some recipient domain greylists with a smaller delay ({@code
   * minDelay}, negative when none): a triplet then counts as passed once it waited that delay, so
   * such a domain's passed triplets are kept for max-age rather than the retry window (the
   * request's rule decides with the domain's delay). A domain with no delay passes at first sight:
   * such a row is no sign of a pass, so the delay counts as one second.
   */
  public Expiry withMinDelay(long minDelay) {
    return minDelay >= 0 && minDelay < delay
        ? new Expiry(Math.max(1, minDelay), maxAge, retryWindow)
        : this;
  }
}
