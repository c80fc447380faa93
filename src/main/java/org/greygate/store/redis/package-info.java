/**
 * The shared store on Redis (standalone, Sentinel, TLS) through Lettuce: the triplet rules and the
 * window counters run as Lua scripts where the rows are, one round trip per decision; native TTLs
 * let dead rows go. Knows nothing of greylisting beyond {@link org.greygate.store.TripletRule}'s
 * parameters.
 */
package org.greygate.store.redis;
