package org.greygate.spf;

/**
 * The CPU work one check_host() may do, counted as it is done, in units of about the cost of
 * copying a character: characters of macro values read and of expansions written count one each,
 * terms evaluated one each, characters of records parsed {@link #RECORD_WEIGHT} each (parsing a
 * term costs about that much more a character). Past {@link #LIMIT} the check stops with permerror,
 * so any record, however built, costs a bounded amount of CPU: a millisecond or two at most here.
 * Real records cost far less: ten includes of a few hundred characters with a macro or two come to
 * a few tens of thousands.
 *
 * <p>Not thread-safe: the steps of one check run one at a time.
 */
final class SpfWork {
  /** Units one check may spend. */
  static final long LIMIT = 200_000;

  /** Units a character of a record costs to parse. */
  static final int RECORD_WEIGHT = 8;

  private final long limit;
  private long units;
  private int expansions;
  private int terms;

  SpfWork() {
    this(LIMIT);
  }

  SpfWork(long limit) {
    this.limit = limit;
  }

  /** The check went over its limit: permerror. */
  static final class Exceeded extends RuntimeException {
    Exceeded(String message) {
      super(message, null, false, false);
    }
  }

  /** Counts {@code n} units of work. */
  void spend(long n) {
    units += n;
    if (units > limit) {
      throw new Exceeded("SPF work over the limit of " + limit + " units for one check");
    }
  }

  /** A macro-string expanded: its length counts. */
  void expansion(int specLength) {
    expansions++;
    spend(specLength);
  }

  /** A record of {@code chars} characters about to be parsed. */
  void record(int chars) {
    spend((long) chars * RECORD_WEIGHT);
  }

  /** A term (mechanism or modifier) evaluated. */
  void term() {
    terms++;
    spend(1);
  }

  long units() {
    return units;
  }

  int expansions() {
    return expansions;
  }

  int terms() {
    return terms;
  }
}
