/**
 * Netty: listening on TCP and unix sockets, per-connection framing with limits, connection caps,
 * idle timeouts, orderly shutdown; and a small HTTP/1.1 endpoint with the same kind of limits for
 * read-only pages (metrics, health).
 *
 * <p>Rule: the only package that imports {@code io.netty}; it never decides, it asks a {@link
 * org.greygate.protocol.Decider} and writes what it answers through the pipeline.
 */
package org.greygate.server;
