/**
 * {@code greygate report}: what greylisting did, from the store's per-hour decision counters or
 * from decision log lines (greygate's and Postgrey's, the same shape). Aggregation and output
 * formats; reading the sources is the caller's.
 *
 * <p>Rule: reads stores through the {@code TripletStore} contract only; knows no Netty, no Picocli.
 */
package org.greygate.report;
