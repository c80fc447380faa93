/**
 * Outbound rate limits: a rules file ({@link org.greygate.ratelimit.RateRules}) and the policy that
 * counts messages, recipients or bytes per key in the store's sliding windows and answers DEFER,
 * REJECT, HOLD or WARN when a limit is passed ({@link org.greygate.ratelimit.RateLimitPolicy}).
 *
 * <p>Rule: knows the policy chain and the store contract, not greylisting, whitelists or a store
 * backend.
 */
package org.greygate.ratelimit;
