/**
 * The shared store on Redis (standalone, Sentinel, TLS, Cluster) through Lettuce: the triplet rules
 * and the window counters run as Lua scripts where the rows are, one round trip per decision;
 * native TTLs from {@link org.greygate.store.Expiry} let dead rows go. Knows nothing of greylisting
 * beyond {@link org.greygate.store.TripletRule}'s parameters. {@link
 * org.greygate.store.redis.RedisStore} is the contract; its parts are named there.
 *
 * <p>Rule: the only package that imports {@code io.lettuce}. Lettuce runs on Netty, and {@code
 * RedisConnections} alone imports {@code io.netty}: it hands the server's event loops, which the
 * store contract passes as plain executors ({@link org.greygate.store.EventLoopSharing}), to
 * Lettuce. Redis's errors become {@link org.greygate.store.StoreException}s in {@code RedisFaults}
 * only, by error code.
 */
package org.greygate.store.redis;
