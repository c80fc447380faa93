/**
 * Greylisting as Postgrey 1.37 does it: triplet keys in Postgrey's format, sender normalisation,
 * the triplet rules' settings ({@link org.greygate.store.TripletRule}, run by every store backend
 * alike), the answers, texts and header, and the two policies of the chain, client auto-whitelist
 * and greylist ({@link org.greygate.greylist.Greylisting}). Time comes in with the request, state
 * through one {@link org.greygate.store.TripletStore#step} per request.
 *
 * <p>Rule: this package knows nothing of Netty, whitelists or any store backend.
 */
package org.greygate.greylist;
