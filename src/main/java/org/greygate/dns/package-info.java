/**
 * Asynchronous DNS for the policy stages that ask it (DNS lists, later SPF): a resolver of the
 * system's or the admin's choosing, answers cached for their TTL, every query bounded in time.
 * Knows nothing of policy; the only package that uses dnsjava.
 */
package org.greygate.dns;
