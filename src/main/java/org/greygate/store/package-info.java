/**
 * The store contract shared by every backend, decision-level: one atomic {@code step} per decision
 * over the triplet row (first seen, last seen) and the client's auto-whitelist row (count, last
 * seen); windowed counters for rate limits; persisted per-hour decision counters; the typed faults;
 * the expiry sweeper. Small on purpose, so that LMDB and Redis are interchangeable and one contract
 * test suite runs against each.
 *
 * <p>Rule: this package knows nothing of decision rules, policies or the wire, nor of any storage
 * or network library; backends live in sub-packages, only {@code store.lmdb} imports LmdbJava and
 * only {@code store.redis} Lettuce (and Netty, for the event loops a store may share: {@link
 * org.greygate.store.EventLoopSharing}).
 */
package org.greygate.store;
