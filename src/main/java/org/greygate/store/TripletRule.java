package org.greygate.store;

/**
 * Postgrey 1.37's triplet rules as one pure row change: from the triplet row and the client's
 * auto-whitelist row as they are at {@code now}, the rows to write and what the request gets. It
 * lives beside the store because every backend must run it the same way: it is data handed to
 * {@link TripletStore#greylist}; the in-process backends run {@link #apply} (through {@link
 * TripletStore#step}); a remote one runs the same rules where the rows are, in one round trip
 * (Redis: a Lua script), from the parameters this record carries. The store contract and the
 * Lua-vs-Java differential hold them equal.
 *
 * <p>A triplet is (first seen, last seen, attempts). A request passes when at least {@code delay}
 * seconds lie between the first attempt and now; every request moves "last seen" to now. A triplet
 * that has not passed yet and whose first attempt is older than the retry window starts over. A new
 * triplet (or one that starts over) has made 1 attempt; each later request that writes the row (not
 * a repeat within the same second) adds one, up to {@link TripletEntry#MAX_ATTEMPTS}; an unknown
 * count (0) stays unknown. The first pass of a triplet counts towards its client's
 * auto-whitelisting, at most once an hour; a client with enough passes is passed without its
 * triplet being looked at. Expired rows ({@link Expiry}) count as absent.
 *
 * @param expiry the delay, max-age and retry window
 * @param awlClients passes after which a client is auto-whitelisted; 0: no auto-whitelist
 */
public record TripletRule(Expiry expiry, int awlClients) {
  public TripletRule(long delay, long maxAge, long retryWindow, int awlClients) {
    this(new Expiry(delay, maxAge, retryWindow), awlClients);
  }

  /** A client's auto-whitelist count grows by at most one an hour. */
  public static final long AWL_COUNT_INTERVAL = 3600;

  /** What the request gets. */
  public enum Kind {
    /** The client is auto-whitelisted. */
    AWL_PASS,
    /** A new triplet (or one that starts over): greylisted. */
    NEW,
    /** Retried before the delay was over: greylisted. */
    EARLY_RETRY,
    /** The delay is over: passes. */
    PASS
  }

  /**
   * @param first when the triplet was first seen (as now stored)
   * @param missing seconds of the delay still to go (positive for NEW and EARLY_RETRY)
   * @param firstPass this is the triplet's first pass (it gets the X-Greylist header)
   * @param newlyWhitelisted the client reached the auto-whitelist threshold with this request
   */
  public record Result(
      Kind kind, long first, long missing, boolean firstPass, boolean newlyWhitelisted) {}

  public long delay() {
    return expiry.delay();
  }

  public long maxAge() {
    return expiry.maxAge();
  }

  public long retryWindow() {
    return expiry.retryWindow();
  }

  public boolean awl() {
    return awlClients > 0;
  }

  /**
   * The change for a request at {@code now}, for a backend that runs the rules in Java through its
   * {@link TripletStore#step}; {@code client} is ignored when the AWL is off.
   */
  public RowChange<Result> at(long now) {
    return (triplet, client) -> apply(triplet, client, now);
  }

  /** The rules in Java, the reference every backend is held to. */
  public RowChange.Change<Result> apply(TripletEntry known, ClientEntry client, long now) {
    if (awl()) {
      if (client != null && expiry.expired(client, now)) {
        client = null;
      }
      if (client != null && client.count() >= awlClients) {
        boolean count = now >= client.lastSeen() + AWL_COUNT_INTERVAL || client.lastSeen() > now;
        return new RowChange.Change<>(
            null,
            count ? new ClientEntry(client.count() + 1, now) : null,
            new Result(Kind.AWL_PASS, now, 0, false, false));
      }
    } else {
      client = null;
    }

    if (known != null && expiry.expired(known, now)) {
      known = null;
    }
    long first = now;
    long attempts = 1;
    boolean passedBefore = false;
    if (known != null) {
      first = known.firstSeen();
      attempts = TripletEntry.plusOne(known.attempts());
      if (known.lastSeen() - first >= delay()) {
        passedBefore = true;
      } else if (now - first > retryWindow()) {
        first = now; // the first retry came too late: start over
        attempts = 1;
      }
      if (first > now) {
        first = now; // first seen in the future (clock stepped back): trust now
      }
    }
    // a repeat within the same second changes nothing: spare the writer
    TripletEntry newTriplet =
        known == null || known.firstSeen() != first || known.lastSeen() != now
            ? new TripletEntry(first, now, attempts)
            : null;

    long missing = delay() - (now - first);
    ClientEntry newClient = null;
    boolean newlyWhitelisted = false;
    if (awl() && missing <= 0 && !passedBefore) {
      if (client == null || now >= client.lastSeen() + AWL_COUNT_INTERVAL) {
        long count = (client == null ? 0 : client.count()) + 1;
        newClient = new ClientEntry(count, now);
        newlyWhitelisted = count == awlClients;
      }
    }
    Kind kind = missing > 0 ? (now != first ? Kind.EARLY_RETRY : Kind.NEW) : Kind.PASS;
    return new RowChange.Change<>(
        newTriplet,
        newClient,
        new Result(kind, first, missing, missing <= 0 && !passedBefore, newlyWhitelisted));
  }
}
