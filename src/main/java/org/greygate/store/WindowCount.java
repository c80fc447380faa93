package org.greygate.store;

/**
 * What {@link TripletStore#addToWindow} found.
 *
 * @param sum the window's total after this call (including the amount when it was counted)
 * @param counted whether the amount was added (it is not when it would pass the limit)
 */
public record WindowCount(long sum, boolean counted) {}
