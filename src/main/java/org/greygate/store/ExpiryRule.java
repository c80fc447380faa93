package org.greygate.store;

/**
 * Which rows are dead at a given time. Backends use it both to sweep and to hide rows that are
 * expired but not yet swept, so a late sweep never changes an answer. (Windowed counters carry
 * their own window and expire by it.)
 */
public interface ExpiryRule {
  boolean tripletExpired(TripletEntry entry, long now);

  boolean clientExpired(ClientEntry entry, long now);

  /** Whether the decision counters of the hour starting at {@code hour} are past keeping. */
  boolean decisionHourExpired(long hour, long now);

  /** Nothing ever expires (for tools that must see every row). */
  ExpiryRule NEVER =
      new ExpiryRule() {
        @Override
        public boolean tripletExpired(TripletEntry entry, long now) {
          return false;
        }

        @Override
        public boolean clientExpired(ClientEntry entry, long now) {
          return false;
        }

        @Override
        public boolean decisionHourExpired(long hour, long now) {
          return false;
        }
      };
}
