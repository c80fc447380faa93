/**
 * The queue watch: Postfix's queue sizes (from {@code postqueue -j}) as metrics, watermarks that
 * alert, and a watch on Postfix's mail log for mass releases from hold and outbound volume jumping
 * above its trailing baseline. Knows nothing of greylisting, rate limits or the store.
 */
package org.greygate.queue;
