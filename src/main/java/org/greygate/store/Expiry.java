package org.greygate.store;

/**
 * Postgrey's clean-up rules, applied continuously instead of once a night:
 *
 * <ul>
 *   <li>a triplet or client not seen for longer than {@code maxAge} is dead;
 *   <li>a triplet that never passed (last - first &lt; delay) and was not retried within the retry
 *       window is dead.
 * </ul>
 */
public record Expiry(long delay, long maxAge, long retryWindow) implements ExpiryRule {
  @Override
  public boolean tripletExpired(TripletEntry e, long now) {
    return now - e.lastSeen() > maxAge
        || e.lastSeen() - e.firstSeen() < delay && now - e.lastSeen() > retryWindow;
  }

  @Override
  public boolean clientExpired(ClientEntry e, long now) {
    return now - e.lastSeen() > maxAge;
  }

  /** Decision counters are kept as long as the greylist remembers: {@code maxAge}. */
  @Override
  public boolean decisionHourExpired(long hour, long now) {
    return now - (hour + 3600) > maxAge;
  }
}
