/**
 * The decision side of a request's path: the {@link org.greygate.policy.Policy} contract, the
 * {@link org.greygate.policy.PolicyChain} that asks each policy in turn (request-type gate first),
 * fail-open on store faults, the decision log line, and what every decision reports (metrics,
 * persisted counters).
 *
 * <p>Rule: knows no particular policy (greylisting, whitelists, rate limits live in their own
 * packages and implement {@code Policy}), no transport and no store backend.
 */
package org.greygate.policy;
