package org.greygate.store;

/**
 * One persisted decision counter: how many requests got this outcome ({@code defer}, {@code
 * prepend}, ...) for this reason in the hour starting at {@code hour} (epoch seconds, a multiple of
 * 3600).
 */
public record DecisionCount(long hour, String outcome, String reason, long count) {}
