/**
 * The one narrow interface every stage reports to: decisions by outcome and reason with their
 * latency, connections, protocol errors, store faults and fail-open answers, pending writes, sweep
 * progress, reloads. {@link org.greygate.metrics.Metrics#NONE} for tests and tools; {@link
 * org.greygate.metrics.Counters} keeps totals in memory for the stats line (and for an exporter).
 *
 * <p>Rule: this package knows nothing of the rest of greygate; everyone may report to it.
 */
package org.greygate.metrics;
