/**
 * The store contract shared by every backend: triplets (first seen, last seen) and the client
 * auto-whitelist (count, last seen). Small on purpose, so that LMDB and Redis are interchangeable
 * and one contract test runs against each.
 *
 * <p>Rule: this package knows nothing of decision rules; backends live in sub-packages and only
 * {@code store.lmdb} imports LmdbJava.
 */
package org.greygate.store;
