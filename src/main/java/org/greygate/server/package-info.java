/**
 * Netty: listening on TCP and unix sockets, per-connection framing with limits, connection caps,
 * idle timeouts, orderly shutdown; and a small HTTP/1.1 endpoint with the same kind of limits for
 * read-only pages (metrics, health).
 *
 * <p>Rule: the only package that serves with {@code io.netty}; the one other package that imports
 * it is {@code store.redis}, whose Lettuce client runs on Netty and borrows the server's event
 * loops. It never decides, it asks a {@link org.greygate.protocol.Decider} and writes what it
 * answers through the pipeline.
 */
package org.greygate.server;
