package org.greygate.store;

/**
 * Where a sweep stands: which table, the last key visited (exclusive resume point), and what it has
 * seen and deleted in this round.
 *
 * @param table 0 = triplets, 1 = clients, 2 = windowed counters, 3 = decision counters, 4 = round
 *     finished
 */
public record SweepProgress(int table, byte[] afterKey, long visited, long deleted) {
  public static final int TABLES = 4;
  public static final SweepProgress START = new SweepProgress(0, null, 0, 0);

  public boolean finished() {
    return table >= TABLES;
  }

  /** The round is over, with these totals. */
  public static SweepProgress done(long visited, long deleted) {
    return new SweepProgress(TABLES, null, visited, deleted);
  }
}
