/**
 * Ties a request to its answer: request-type and test-time handling, the greylisting engine,
 * fail-open on store faults, and the decision log line.
 */
package org.greygate.policy;
