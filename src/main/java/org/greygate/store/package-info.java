/**
 * The store contract shared by every backend, decision-level: one atomic {@code step} per decision
 * over the triplet row (first seen, last seen) and the client's auto-whitelist row (count, last
 * seen); windowed counters for rate limits; persisted per-hour decision counters; the typed faults;
 * the expiry sweeper. Small on purpose, so that LMDB and Redis are interchangeable and one contract
 * test suite runs against each.
 *
 * <p>Rule: this package knows nothing of decision rules, policies or the wire; backends live in
 * sub-packages and only {@code store.lmdb} imports LmdbJava.
 */
package org.greygate.store;
