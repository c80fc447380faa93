/**
 * The composition root: {@link org.greygate.app.Daemon} builds, from one {@link
 * org.greygate.app.DaemonConfig}, everything a running daemon holds (store, whitelists and rules
 * with their reloads, policy chain, listeners, metrics endpoint, queue watch, sweeper, stats line)
 * and stops it once, in reverse order; {@link org.greygate.app.ChainFactory} builds the one policy
 * chain that {@code serve}, {@code check}, the tests and the benchmarks use; {@link
 * org.greygate.app.Stores} is the one place a store is opened, from a sealed {@link
 * org.greygate.app.StoreLocation}.
 *
 * <p>Rule: builds and wires; decides nothing. Knows the backends only to open them (in {@code
 * Stores}), and the server only to start and stop it; no Picocli.
 */
package org.greygate.app;
