/**
 * Composition: {@link org.greygate.app.ChainFactory} builds the one policy chain that {@code
 * serve}, {@code check}, the tests and the benchmarks use; {@link org.greygate.app.Greygate} owns
 * what a running daemon holds besides its listeners (store, whitelists and their reloads, sweeper,
 * stats line) and closes it all, once, in order.
 *
 * <p>Rule: builds and wires; decides nothing, and knows nothing of Netty, LmdbJava or Picocli
 * beyond the store backend's {@code open}.
 */
package org.greygate.app;
