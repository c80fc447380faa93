package org.greygate.policy;

import java.util.List;

/**
 * A named part of the chain, asked for the requests whose {@code policy_context} is its name
 * (Postfix's {@code check_policy_service { inet:..., policy_context=submission }}): its policies in
 * the chain's order.
 *
 * @param name the set's name, as declared; {@link PolicySets#DEFAULT} for the requests that match
 *     no declared set
 * @param policies asked in this order, as the whole chain's are
 */
public record PolicySet(String name, List<Policy> policies) {
  public PolicySet {
    policies = List.copyOf(policies);
  }
}
