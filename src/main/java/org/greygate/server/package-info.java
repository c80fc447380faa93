/**
 * Netty: listening on TCP and unix sockets, per-connection framing with limits, connection caps,
 * idle timeouts, orderly shutdown; and a small HTTP/1.1 endpoint with the same kind of limits for
 * read-only pages (metrics, health).
 *
 * <p>Rule: the only package that serves with {@code io.netty}. The one other class that imports it
 * is {@code store.redis.RedisConnections}, which lends the server's event loops to Lettuce (a Redis
 * client built on Netty); the loops reach it as plain executors through the store's {@code
 * EventLoopSharing}, so nothing else learns of Netty. It never decides, it asks a {@link
 * org.greygate.protocol.Decider} and writes what it answers through the pipeline.
 */
package org.greygate.server;
