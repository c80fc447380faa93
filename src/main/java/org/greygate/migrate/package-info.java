/**
 * Bringing a Postgrey installation along: reading Berkeley DB's printable dump of Postgrey's
 * databases and merging its triplets and auto-whitelisted clients into a greygate store (the keys
 * are the same in both).
 *
 * <p>Rule: talks to any store through the {@code TripletStore} contract only.
 */
package org.greygate.migrate;
