/**
 * Greylisting as Postgrey 1.37 does it: triplet normalisation, the decision rules, the client
 * auto-whitelist. Pure logic: time comes in as an argument, state through {@link
 * org.greygate.store.TripletStore}.
 *
 * <p>Rule: this package knows nothing of Netty or LmdbJava.
 */
package org.greygate.greylist;
